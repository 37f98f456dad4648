using System.Text.Json;
using Gale.Dags;
using Gale.Runs;
using Gale.Storage;

namespace Gale.Host.Tests.Cli;

/// <summary><c>gale runs list|show</c> and <c>gale tasks states</c> read runs from storage.</summary>
public sealed class RunsCommandTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task RunsListShowAndTaskStates_TablesJsonAndExitCodes()
    {
        var storage = azurite.Server.ConnectionString;
        var folder = Directory.CreateTempSubdirectory("gale-runs-").FullName;
        var dagId = "runs_" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await GaleStorageLayout.EnsureCreatedAsync(azurite.Account);
            var dag = Dag.Create(dagId).Task("extract", _ => { }).Task("load", _ => { }, after: "extract").Build();
            // The same DAG in the folder the CLI runs in: a run that has not started is read from its DAG.
            Directory.CreateDirectory(Path.Combine(folder, "dags"));
            await File.WriteAllTextAsync(Path.Combine(folder, "dags", dagId + ".yaml"), $"dag_id: {dagId}\ntasks:\n  - id: extract\n    operator: empty\n  - id: load\n    operator: empty\n    upstream: [extract]\n");
            // Runs created in the folder's task hub, with no worker: they wait, queued.
            var (store, hub) = ServeProcess.RunsOf(storage, ServeProcess.OwnTaskHub(folder), new Gale.Engine.DagBag([dag]));
            await hub.CreateIfNotExistsAsync();
            foreach (var (runId, day) in new[] { ("manual__a", 1), ("manual__b", 2) })
            {
                var at = new DateTimeOffset(2026, 1, day, 0, 0, 0, TimeSpan.Zero);
                await store.CreateRunAsync(dag, new DagRun { DagId = dagId, RunId = runId, LogicalDate = at, QueuedAt = at, Conf = """{"n":1}""" }, start: false);
            }

            var (listExit, list, listErr) = await GaleProcess.RunAsync(folder, "runs", "list", dagId, "--storage", storage, "--output", "json");
            var (tableExit, table, _) = await GaleProcess.RunAsync(folder, "runs", "list", dagId, "--storage", storage, "--limit", "1");
            var (badExit, _, badErr) = await GaleProcess.RunAsync(folder, "runs", "list", dagId, "--state", "done", "--storage", storage);
            var (showExit, show, showErr) = await GaleProcess.RunAsync(folder, "runs", "show", dagId, "manual__a", "--storage", storage, "--output", "json");
            var (statesExit, states, _) = await GaleProcess.RunAsync(folder, "tasks", "states", dagId, "manual__b", "--storage", storage);
            var (missingExit, _, missingErr) = await GaleProcess.RunAsync(folder, "runs", "show", dagId, "nope", "--storage", storage);

            Assert.True(listExit == 0, listErr);
            var runs = JsonDocument.Parse(list).RootElement;
            Assert.Equal(["manual__b", "manual__a"], runs.EnumerateArray().Select(r => r.GetProperty("run_id").GetString()));
            Assert.Equal(("queued", "manual", 1), (runs[0].GetProperty("state").GetString(), runs[0].GetProperty("run_type").GetString(), runs[0].GetProperty("conf").GetProperty("n").GetInt32()));
            Assert.Equal(0, tableExit);
            Assert.Contains("1 of 2 runs", table, StringComparison.Ordinal);
            Assert.Equal(2, badExit);
            Assert.Contains("--state: 'done'", badErr, StringComparison.Ordinal);
            Assert.True(showExit == 0, showErr);
            Assert.Equal(["extract", "load"], JsonDocument.Parse(show).RootElement.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()));
            Assert.Equal(0, statesExit);
            Assert.Contains("manual__b", states, StringComparison.Ordinal);
            Assert.Contains("load", states, StringComparison.Ordinal);
            Assert.Equal(1, missingExit);
            Assert.Contains("does not exist", missingErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
