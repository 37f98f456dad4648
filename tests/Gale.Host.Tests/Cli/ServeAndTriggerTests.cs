using System.Text.Json;

namespace Gale.Host.Tests.Cli;

/// <summary><c>gale serve</c> on Azurite runs the engine: a run created by <c>gale dags trigger</c> finishes.</summary>
public sealed class ServeAndTriggerTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Trigger_WithServeRunning_RunSucceedsAndExitZero()
    {
        var folder = Directory.CreateTempSubdirectory("gale-serve-").FullName;
        var dagsContainer = azurite.Account.GetBlobContainerClient("dags");
        await dagsContainer.CreateIfNotExistsAsync();
        await dagsContainer.GetBlobClient("blob_dag.yaml").UploadAsync(BinaryData.FromString("dag_id: blob_dag\ntasks:\n  - id: hello\n    operator: shell\n    command: \"echo from blob\"\n"), overwrite: true);
        using var serve = await ServeProcess.StartAsync(folder, azurite.Server.ConnectionString, new Dictionary<string, string> { ["GALE_DAG_REFRESH_SECONDS"] = "1" });
        try
        {
            // A DAG uploaded while serving is picked up by the next refresh, without a restart.
            await dagsContainer.GetBlobClient("late_dag.yaml").UploadAsync(BinaryData.FromString("dag_id: late_dag\ntasks:\n  - id: hi\n    operator: shell\n    command: \"echo late\"\n"), overwrite: true);
            for (var i = 0; i < 100 && !serve.Output.Any(l => l.Contains("added [late_dag]", StringComparison.Ordinal)); i++)
            {
                await Task.Delay(100);
            }

            Assert.Contains(serve.Output, l => l.Contains("added [late_dag]", StringComparison.Ordinal));
            var (lateExit, lateOut, lateErr) = await GaleProcess.RunAsync(folder, "dags", "trigger", "late_dag", "--wait", "--storage", azurite.Server.ConnectionString, "--output", "json");
            Assert.True(lateExit == 0, $"exit {lateExit}: {lateErr}");
            using (var lateJson = JsonDocument.Parse(lateOut))
            {
                Assert.Equal("success", lateJson.RootElement.GetProperty("state").GetString());
            }

            var (exit, stdout, stderr) = await GaleProcess.RunAsync(folder, "dags", "trigger", "example_etl", "--wait", "--storage", azurite.Server.ConnectionString, "--output", "json");

            Assert.True(exit == 0, $"exit {exit}: {stderr}");
            using var json = JsonDocument.Parse(stdout);
            Assert.Equal("success", json.RootElement.GetProperty("state").GetString());
            Assert.All(json.RootElement.GetProperty("tasks").EnumerateArray(), t => Assert.Equal("success", t.GetProperty("state").GetString()));

            // Clear the middle task with its downstream: both run again with try 2 and the run succeeds again.
            var runId = json.RootElement.GetProperty("run_id").GetString()!;
            var (clearExit, _, clearErr) = await GaleProcess.RunAsync(folder, "tasks", "clear", "example_etl", runId, "transform", "--downstream", "--storage", azurite.Server.ConnectionString);
            Assert.True(clearExit == 0, clearErr);
            var store = serve.Runs();
            var key = new Gale.Runs.RunKey("example_etl", runId);
            Gale.Runs.RunSnapshot? again = null;
            for (var i = 0; i < 300; i++)
            {
                again = await store.LoadAsync(key);
                if (again!.Find(new("load"))!.TryNumber == 2 && again.Run.State == Gale.Runs.DagRunState.Success)
                {
                    break;
                }

                await Task.Delay(100);
            }

            Assert.Equal(Gale.Runs.DagRunState.Success, again!.Run.State);
            Assert.Equal((1, 2, 2), (again.Find(new("extract"))!.TryNumber, again.Find(new("transform"))!.TryNumber, again.Find(new("load"))!.TryNumber));

            // A YAML DAG uploaded to the dags container (no redeploy) runs too.
            var (blobExit, blobOut, blobErr) = await GaleProcess.RunAsync(folder, "dags", "trigger", "blob_dag", "--wait", "--storage", azurite.Server.ConnectionString, "--output", "json");
            Assert.True(blobExit == 0, $"exit {blobExit}: {blobErr}");
            using var blobJson = JsonDocument.Parse(blobOut);
            Assert.Equal("success", blobJson.RootElement.GetProperty("state").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Trigger_UnknownDag_ExitTwo()
    {
        var (exit, _, stderr) = await GaleProcess.RunAsync(Path.GetTempPath(), "dags", "trigger", "nope", "--storage", azurite.Server.ConnectionString);

        Assert.Equal(2, exit);
        Assert.Contains("no DAG 'nope'", stderr, StringComparison.Ordinal);
    }

}
