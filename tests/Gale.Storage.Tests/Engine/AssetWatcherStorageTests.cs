using System.Text.Json;
using Gale.Assets;
using Gale.Assets.Watchers;
using Gale.Engine;
using Gale.Runs;
using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Engine;

/// <summary>Asset queues, watermarks and watchers on a real Azurite.</summary>
public sealed class AssetWatcherStorageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly Asset Landing = new("wasb://landing/sales/", "landing");

    private async Task<TaskServices> ServicesAsync() => new()
    {
        AssetEvents = new TableAssetEventStore(await azurite.NewTableAsync()),
        AssetQueue = new TableAssetQueue(await azurite.NewTableAsync(), await azurite.NewTableAsync()),
        Watermarks = new TableWatermarkStore(await azurite.NewTableAsync()),
        Objects = new BlobObjectProbe(azurite.Account),
    };

    private static AssetEvent E(int i) => new($"api:{i:D4}", Landing.Uri, AssetEventSource.Api, DateTimeOffset.UtcNow.AddMilliseconds(i)) { Extra = $$"""{"i":{{i}}}""" };

    [Fact]
    public async Task Queue_EnqueueClaimRecordComplete_EachEventOncePerDagEvenWhenPublishedAgain()
    {
        var queue = (await ServicesAsync()).AssetQueue;
        var events = Enumerable.Range(0, 150).Select(E).ToList();

        Assert.Equal(150, await queue.EnqueueAsync("consumer", events));
        Assert.Equal(0, await queue.EnqueueAsync("consumer", events[..10]));
        Assert.Equal(1, await queue.EnqueueAsync("other", events[..1]));
        var pending = await queue.PendingAsync("consumer");
        Assert.Equal(150, pending.Count);

        Assert.True(await queue.ClaimAsync("consumer", "asset_triggered__0", pending));
        Assert.False(await queue.ClaimAsync("consumer", "asset_triggered__0", pending)); // one claim per run
        Assert.All(await queue.PendingAsync("consumer"), q => Assert.Equal("asset_triggered__0", q.ClaimedBy));
        await queue.ReleaseAsync("consumer", [.. (await queue.PendingAsync("consumer")).Take(1)]); // the run was never created
        Assert.All(await queue.PendingAsync("consumer"), q => Assert.Null(q.ClaimedBy));
        Assert.True(await queue.ClaimAsync("consumer", "asset_triggered__1", pending));
        pending = await queue.PendingAsync("consumer");

        var run = new RunKey("consumer", "asset_triggered__1");
        await queue.RecordTriggeringAsync(run, events);
        await queue.CompleteAsync("consumer", pending);
        await queue.CompleteAsync("consumer", [.. pending.Take(3)]); // already gone: ignored

        Assert.Empty(await queue.PendingAsync("consumer"));
        Assert.Equal(0, await queue.EnqueueAsync("consumer", events)); // consumed events never come back
        var triggering = await queue.TriggeringEventsAsync(run);
        Assert.Equal(events.Select(e => e.Id), triggering.Select(e => e.Id));
        Assert.Equal("""{"i":149}""", triggering[^1].Extra);
    }

    [Fact]
    public async Task Watermark_EightInstancesRaceFromOneVersion_ExactlyOneWins_LargeValuesRoundTrip()
    {
        var marks = (await ServicesAsync()).Watermarks;
        var created = await marks.TryReplaceAsync("w", new Watermark { Values = new Dictionary<string, string> { ["n"] = "0" } });
        Assert.NotNull(created);
        Assert.Null(await marks.TryReplaceAsync("w", new Watermark())); // exists: an insert loses

        var wins = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => marks.TryReplaceAsync("w", created! with { Values = new Dictionary<string, string> { ["n"] = $"{i}" } })));
        var seen = JsonSerializer.Serialize(Enumerable.Range(0, 20_000).ToDictionary(i => $"sales/2026/03/01/file-{i:D6}.csv@0x8DC{i:X8}", i => 1_700_000_000_000L + i));
        var current = await marks.GetAsync("w");
        var big = await marks.TryReplaceAsync("w", current with { Values = new Dictionary<string, string> { ["seen"] = seen }, Epoch = 3 });

        Assert.Single(wins, w => w is not null);
        Assert.NotNull(big);
        var read = await marks.GetAsync("w");
        Assert.Equal((seen, 3), (read.Get("seen"), read.Epoch));
        Assert.Single(await marks.ListAsync());
    }

    [Fact]
    public async Task EventHub_TwoInstancesGetRedeliveredOverlappingBatches_NoDuplicateEvents()
    {
        var services = await ServicesAsync();
        var watcher = new EventHubWatcher("clicks", [Landing], "clicks");
        var bag = new DagBag([]);
        var at = DateTimeOffset.UtcNow;
        var batches = Enumerable.Range(0, 20)
            .Select(b => (IReadOnlyList<EventHubEvent>)[.. Enumerable.Range(Math.Max(0, b * 50 - 20), 70).Where(s => s < 1000).SelectMany(s => new[] { new EventHubEvent("0", s, $"{s}", at, $"{{\"s\":{s}}}"), new EventHubEvent("1", s, $"{s}", at, "text") })])
            .ToList();
        async Task FeedAsync(string id)
        {
            var runner = new WatcherRunner(new AssetEventPublisher(services.AssetEvents, services.AssetQueue, bag), services.Watermarks, new WatcherContext(services, TimeProvider.System), id);
            foreach (var batch in batches.Concat(batches.Take(5))) // checkpoints lag: the first batches come again
            {
                await watcher.HandleBatchAsync(runner, batch);
            }
        }

        await Task.WhenAll(Task.Run(() => FeedAsync("one")), Task.Run(() => FeedAsync("two")));

        var events = await services.AssetEvents.ListAsync(Landing.Uri, DateTimeOffset.MinValue);
        Assert.Equal(2000, events.Count);
        var mark = await services.Watermarks.GetAsync("clicks");
        Assert.Equal(("999", "999"), (mark.Get("partition:0"), mark.Get("partition:1")));
    }

    [Fact]
    public async Task Queue_TwoInstancesDrainAStorageQueue_OneEventPerMessageAndTheQueueEmpties()
    {
        var services = await ServicesAsync();
        var client = await azurite.NewQueueAsync();
        var queue = new StorageMessageQueue(client, TimeProvider.System);
        services = new TaskServices { AssetEvents = services.AssetEvents, AssetQueue = services.AssetQueue, Watermarks = services.Watermarks, MessageQueues = _ => queue };
        var watcher = new StorageQueueWatcher("orders", [Landing], client.Name) { BatchSize = 8 };
        for (var i = 0; i < 60; i++)
        {
            await queue.SendAsync($$"""{"order":{{i}}}""");
        }

        async Task DrainAsync(string id)
        {
            var runner = new WatcherRunner(new AssetEventPublisher(services.AssetEvents, services.AssetQueue, new DagBag([])), services.Watermarks, new WatcherContext(services, TimeProvider.System), id);
            for (var idle = 0; idle < 3;)
            {
                idle = (await runner.PollOnceAsync(watcher)).Changes == 0 ? idle + 1 : 0;
            }
        }

        await Task.WhenAll(Task.Run(() => DrainAsync("one")), Task.Run(() => DrainAsync("two")));

        var events = await services.AssetEvents.ListAsync(Landing.Uri, DateTimeOffset.MinValue);
        Assert.Equal(60, events.Count);
        Assert.Equal(60, events.Select(e => JsonDocument.Parse(e.Extra).RootElement.GetProperty("order").GetInt32()).Distinct().Count());
        Assert.Empty(await queue.ReceiveAsync(32, TimeSpan.FromSeconds(1)));
        Assert.Equal("60", (await services.Watermarks.GetAsync("orders")).Get("received"));
    }
}

