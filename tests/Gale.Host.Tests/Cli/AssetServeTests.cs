using System.Diagnostics;
using System.Text.Json;
using Gale.Runs;
using Gale.Storage.Engine;

namespace Gale.Host.Tests.Cli;

/// <summary>Upload a file into an Azurite container and see the consuming DAG run, in <c>gale serve</c>; then replay it with a watcher reset.</summary>
public sealed class AssetServeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Serve_BlobUploaded_ConsumerRunsWithinThePollInterval_ResetReplaysIt()
    {
        var folder = Directory.CreateTempSubdirectory("gale-assets-").FullName;
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var dagId = "consumer_" + suffix;
        var watcher = "landing_" + suffix;
        var container = "landing" + suffix;
        Directory.CreateDirectory(Path.Combine(folder, "dags"));
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "consumer.yaml"), $$$"""
            dag_id: {{{dagId}}}
            schedule:
              assets: landing
            watchers:
              - name: {{{watcher}}}
                type: blob
                container: {{{container}}}
                prefix: sales/
                poll_interval: 1s
                assets: [{uri: "wasb://{{{container}}}/sales/", name: landing}]
            tasks:
              - id: load
                operator: shell
                command: "echo loading {{ triggering_asset_events['wasb://{{{container}}}/sales/'][0].extra.name }}"
            """);
        var storage = azurite.Server.ConnectionString;
        try
        {
            using var serve = await ServeProcess.StartAsync(folder, storage);
            var blobs = azurite.Account.GetBlobContainerClient(container);
            await blobs.CreateIfNotExistsAsync();
            var uploaded = Stopwatch.StartNew();
            await blobs.GetBlobClient("sales/2026-11-21.csv").UploadAsync(BinaryData.FromString("id,amount\n1,10\n"), overwrite: true);

            var first = await WaitForRunsAsync(serve.Runs(), dagId, 1, TimeSpan.FromSeconds(60));
            var createdAfter = uploaded.Elapsed;
            Assert.Equal(DagRunType.AssetTriggered, first[0].RunType);
            Assert.True(createdAfter < TimeSpan.FromSeconds(15), $"the run was created {createdAfter.TotalSeconds:F1} s after the upload");
            await WaitForStateAsync(serve.Runs(), first[0].Key, DagRunState.Success);
            var triggering = Assert.Single(await StorageEngine.AssetQueue(azurite.Account).TriggeringEventsAsync(first[0].Key));
            Assert.Contains("\"name\":\"sales/2026-11-21.csv\"", triggering.Extra, StringComparison.Ordinal);
            var (logExit, log, logErr) = await GaleProcess.RunAsync(folder, "tasks", "logs", dagId, first[0].RunId, "load", "--storage", storage);
            Assert.True(logExit == 0, logErr);
            Assert.Contains("loading sales/2026-11-21.csv", log, StringComparison.Ordinal);

            var (listExit, listOut, listErr) = await GaleProcess.RunAsync(folder, "watchers", "list", "--storage", storage, "--output", "json");
            Assert.True(listExit == 0, listErr);
            var listed = JsonDocument.Parse(listOut).RootElement.EnumerateArray().Single(w => w.GetProperty("name").GetString() == watcher);
            Assert.Equal(("blob", 1L), (listed.GetProperty("type").GetString(), listed.GetProperty("watermark").GetProperty("events_emitted").GetInt64()));

            var (resetExit, resetOut, resetErr) = await GaleProcess.RunAsync(folder, "watchers", "reset", watcher, "--storage", storage, "--output", "json");
            Assert.True(resetExit == 0, resetErr);
            Assert.Equal(1, JsonDocument.Parse(resetOut).RootElement.GetProperty("watermark").GetProperty("epoch").GetInt32());
            var replayed = await WaitForRunsAsync(serve.Runs(), dagId, 2, TimeSpan.FromSeconds(60));
            Assert.Equal(2, replayed.Count);

            var (badExit, _, badErr) = await GaleProcess.RunAsync(folder, "watchers", "show", "no_such_watcher", "--storage", storage);
            Assert.Equal(2, badExit);
            Assert.Contains("no watcher is named 'no_such_watcher'", badErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<List<DagRun>> WaitForRunsAsync(Gale.Engine.IRunReader store, string dagId, int count, TimeSpan timeout)
    {
        var until = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var runs = new List<DagRun>();
            await foreach (var run in store.ListRunsAsync(dagId))
            {
                runs.Add(run);
            }

            if (runs.Count >= count)
            {
                return [.. runs.OrderBy(r => r.QueuedAt)];
            }

            Assert.True(DateTimeOffset.UtcNow < until, $"{runs.Count} runs of {dagId} after {timeout.TotalSeconds} s");
            await Task.Delay(100);
        }
    }

    private static async Task WaitForStateAsync(Gale.Engine.IRunReader store, RunKey key, DagRunState state)
    {
        for (var i = 0; i < 600; i++)
        {
            if ((await store.LoadAsync(key))?.Run.State == state)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"run {key} never reached {state}");
    }
}
