using System.Text.Json;
using Gale.Runs;

namespace Gale.Host.Tests.Cli;

/// <summary><c>gale serve</c> on Azurite: a run waits, deferred, for an external event sent with <c>gale runs event</c>.</summary>
public sealed class DeferrableServeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task ExampleApproval_EventSentWithTheCli_RunResumesAndSucceeds()
    {
        var folder = Directory.CreateTempSubdirectory("gale-defer-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "dags"));
        // The example DAGs ship in the repository's dags/ folder (copied to the app on publish only).
        File.Copy(Path.Combine(RepoRoot.Path, "dags", "example_approval.yaml"), Path.Combine(folder, "dags", "example_approval.yaml"));
        using var serve = await ServeProcess.StartAsync(folder, azurite.Server.ConnectionString);
        try
        {
            var (exit, stdout, stderr) = await GaleProcess.RunAsync(folder, "dags", "trigger", "example_approval", "--storage", azurite.Server.ConnectionString, "--output", "json");
            Assert.True(exit == 0, $"exit {exit}: {stderr}");
            var runId = JsonDocument.Parse(stdout).RootElement.GetProperty("run_id").GetString()!;
            var store = serve.Runs();
            var key = new RunKey("example_approval", runId);
            var waiting = await WaitForAsync(store, key, s => s.Find(new("wait_for_approval"))?.State == TaskInstanceState.Deferred);
            Assert.Equal(TaskInstanceState.None, waiting.Find(new("publish"))!.State);

            var (badExit, _, badErr) = await GaleProcess.RunAsync(folder, "runs", "event", "example_approval", runId, "approve", "--data", "{oops", "--storage", azurite.Server.ConnectionString);
            var (sentExit, _, sentErr) = await GaleProcess.RunAsync(folder, "runs", "event", "example_approval", runId, "APPROVE", "--data", "\"ana\"", "--storage", azurite.Server.ConnectionString);

            Assert.Equal(2, badExit);
            Assert.Contains("data: not valid JSON", badErr, StringComparison.Ordinal);
            Assert.True(sentExit == 0, sentErr);
            var done = await WaitForAsync(store, key, s => s.Run.State.IsFinished());
            Assert.Equal(DagRunState.Success, done.Run.State);
            Assert.Equal(1, done.Find(new("wait_for_approval"))!.TryNumber);
            var (logExit, log, logErr) = await GaleProcess.RunAsync(folder, "tasks", "logs", "example_approval", runId, "publish", "--storage", azurite.Server.ConnectionString);
            Assert.True(logExit == 0, logErr);
            Assert.Contains("approved by ana", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<RunSnapshot> WaitForAsync(Gale.Engine.IRunReader store, RunKey key, Func<RunSnapshot, bool> condition)
    {
        RunSnapshot? s = null;
        for (var i = 0; i < 240; i++)
        {
            s = await store.LoadAsync(key);
            if (s is not null && condition(s))
            {
                return s;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"run {key}: {(s is null ? "missing" : string.Join("; ", s.Tasks.Values.Select(t => $"{t.TaskId} {t.State.ToAirflowName()} {t.Message}")))}");
    }
}
