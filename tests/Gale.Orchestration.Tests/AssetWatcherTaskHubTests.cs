using System.Collections.Concurrent;
using System.Text.Json;
using Gale.Assets;
using Gale.Assets.Watchers;
using Gale.Dags;
using Gale.Engine;
using Gale.Orchestration.AzureStorage;
using Gale.Runs;
using Gale.Scheduling;
using Gale.Storage;
using Gale.Storage.Engine;

namespace Gale.Orchestration.Tests;

/// <summary>Blob watchers feeding asset-scheduled runs that are instances of a task hub on Azurite.</summary>
public sealed class AssetWatcherTaskHubTests
{
    private static readonly Asset Landing = new("wasb://landing/sales/", "landing");

    [Fact]
    public async Task Blobs_TenThousandInBurstsTwoWatchersOneKilled_OneEventPerBlobVersionAndOneRunPerBurst()
    {
        const int bursts = 5;
        const int perBurst = 2000;
        const int rewritten = 200;

        // Its own in-memory Azurite: a disk-backed one rewrites its whole blob index on every save, which makes
        // uploads ever slower as ten thousand blobs pile up (real storage has no such cost).
        await using var server = await Gale.Storage.Local.AzuriteServer.StartAsync(new Gale.Storage.Local.AzuriteOptions { InMemory = true });
        var account = new StorageAccountClient(server.Connection);
        async Task<Azure.Data.Tables.TableClient> NewTableAsync()
        {
            var table = account.GetTableClient("t" + Guid.NewGuid().ToString("N")[..20]);
            await table.CreateIfNotExistsAsync();
            return table;
        }

        var services = new TaskServices
        {
            AssetEvents = new TableAssetEventStore(await NewTableAsync()),
            AssetQueue = new TableAssetQueue(await NewTableAsync(), await NewTableAsync()),
            Watermarks = new TableWatermarkStore(await NewTableAsync()),
            Objects = new BlobObjectProbe(account),
        };
        var container = account.GetBlobContainerClient("landing");
        await container.CreateIfNotExistsAsync();
        var watcher = new BlobWatcher("landing_files", [Landing], container.Name, "sales/") { MaxChangesPerPoll = 1500 }; // < a burst: polls are capped
        var dag = Dag.Create("consumer").ScheduleOn(Landing).With(s => s with { MaxAssetEventsPerRun = 10_000 }).Watch(watcher).Task("t", _ => { }).Build();
        var bag = new DagBag([dag]);
        // The runs are instances of a task hub with no worker: the scheduler creates them, nothing runs them.
        var hub = new TaskHubOptions { HubName = "h" + Guid.NewGuid().ToString("N")[..12], PartitionCount = 1 };
        var runs = await AzureStorageTaskHub.RunsAsync(server.Connection, hub, bag, TimeProvider.System, TimeSpan.Zero);
        var scheduler = new Scheduler(runs, bag, new TableDagStateStore(await NewTableAsync()), runs, new SchedulerOptions { SchedulerId = "s" }, assetQueue: services.AssetQueue);
        WatcherRunner NewRunner(string id) => new(new AssetEventPublisher(services.AssetEvents, services.AssetQueue, bag), services.Watermarks, new WatcherContext(services, TimeProvider.System), id);

        using var stopAll = new CancellationTokenSource();
        using var killTwo = CancellationTokenSource.CreateLinkedTokenSource(stopAll.Token);
        var polls = new ConcurrentDictionary<string, int>();
        async Task WatchAsync(string id, CancellationToken token)
        {
            var runner = NewRunner(id);
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await runner.PollOnceAsync(watcher, token);
                    polls.AddOrUpdate(id, 1, (_, n) => n + 1);
                    await Task.Delay(2000, token);
                }
                catch (OperationCanceledException)
                {
                    return; // killed, possibly between storing events and moving the watermark
                }
            }
        }

        var one = Task.Run(() => WatchAsync("one", stopAll.Token));
        var two = Task.Run(() => WatchAsync("two", killTwo.Token));
        for (var burst = 0; burst <= bursts; burst++)
        {
            var names = burst < bursts
                ? Enumerable.Range(0, perBurst).Select(i => $"sales/b{burst}/{i:D4}.csv").ToList()
                : Enumerable.Range(0, rewritten).Select(i => $"sales/b0/{i:D4}.csv").ToList(); // new versions of old blobs
            if (burst == 2)
            {
                killTwo.CancelAfter(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 1500)));
            }

            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (name, ct) =>
                await container.GetBlobClient(name).UploadAsync(BinaryData.FromString($"{name} v{burst}"), overwrite: true, cancellationToken: ct));
            await WaitUntilCoveredAsync(services, watcher);
            await scheduler.TickAsync();
        }

        await stopAll.CancelAsync();
        await Task.WhenAll(one, two);

        var events = await services.AssetEvents.ListAsync(Landing.Uri, DateTimeOffset.MinValue);
        Assert.Equal(bursts * perBurst + rewritten, events.Count);
        var versions = events.Select(e => JsonDocument.Parse(e.Extra).RootElement).Select(x => $"{x.GetProperty("name").GetString()}@{x.GetProperty("etag").GetString()}").ToList();
        Assert.Equal(events.Count, versions.Distinct().Count());
        Assert.Equal(bursts * perBurst, versions.Select(v => v[..v.IndexOf('@', StringComparison.Ordinal)]).Distinct().Count());

        var assetRuns = new List<DagRun>();
        await foreach (var run in runs.ListRunsAsync("consumer"))
        {
            assetRuns.Add(run);
        }

        Assert.Equal(bursts + 1, assetRuns.Count);
        var consumed = new List<string>();
        foreach (var run in assetRuns.OrderBy(r => r.QueuedAt))
        {
            consumed.AddRange((await services.AssetQueue.TriggeringEventsAsync(run.Key)).Select(e => e.Id));
        }

        Assert.Equal(events.Select(e => e.Id).Order(StringComparer.Ordinal), consumed.Order(StringComparer.Ordinal));
        Assert.True(polls.GetValueOrDefault("two") > 0, "the killed watcher polled before it was killed");
    }

    // Every listed blob is behind the watermark, and a watermark only moves after its events are stored.
    private static async Task WaitUntilCoveredAsync(TaskServices services, BlobWatcher watcher)
    {
        var context = new WatcherContext(services, TimeProvider.System);
        var until = DateTimeOffset.UtcNow.AddMinutes(3);
        while (true)
        {
            var left = (await watcher.PollAsync(context, await services.Watermarks.GetAsync(watcher.Name), default)).Changes.Count;
            if (left == 0)
            {
                return;
            }

            Assert.True(DateTimeOffset.UtcNow < until, $"{left} blobs still not covered after 3 minutes");
            await Task.Delay(1000);
        }
    }
}
