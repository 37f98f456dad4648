using System.Globalization;

namespace Gale.Host.Tests.Cli;

/// <summary>The scheduler inside <c>gale serve</c> on Azurite: catchup creates the missed runs, pause stops it.</summary>
public sealed class ScheduleServeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Serve_DailyDagWithCatchup_CreatesAndRunsEveryMissedDayAndPauseStopsIt()
    {
        var folder = Directory.CreateTempSubdirectory("gale-sched-").FullName;
        var dagId = "sched_" + Guid.NewGuid().ToString("N")[..8];
        var start = DateTime.UtcNow.Date.AddDays(-3);
        Directory.CreateDirectory(Path.Combine(folder, "dags"));
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "sched.yaml"), $"""
            dag_id: {dagId}
            schedule: "@daily"
            start_date: {start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}
            catchup: true
            tasks:
              - id: t
                operator: shell
                command: "echo {"{{ ds }}"}"
            """);
        var storage = azurite.Server.ConnectionString;
        try
        {
            using var serve = await ServeProcess.StartAsync(folder, storage);
            var store = serve.Runs();
            List<Gale.Runs.DagRun> runs = [];
            for (var i = 0; i < 300 && (runs.Count < 3 || runs.Any(r => r.State != Gale.Runs.DagRunState.Success)); i++)
            {
                await Task.Delay(200);
                runs = [];
                await foreach (var run in store.ListRunsAsync(dagId))
                {
                    runs.Add(run);
                }
            }

            Assert.Equal(
                Enumerable.Range(0, 3).Select(d => $"scheduled__{start.AddDays(d):yyyy-MM-dd}T00:00:00+00:00"),
                runs.Select(r => r.RunId).Order(StringComparer.Ordinal));
            Assert.All(runs, r => Assert.Equal(Gale.Runs.DagRunState.Success, r.State));

            var (pauseExit, pauseOut, pauseErr) = await GaleProcess.RunAsync(folder, "dags", "pause", dagId, "--storage", storage);
            Assert.True(pauseExit == 0, pauseErr);
            Assert.Contains("is paused", pauseOut, StringComparison.Ordinal);
            var state = await Gale.Storage.Engine.StorageEngine.DagStateStore(azurite.Account).GetAsync(dagId);
            Assert.True(state!.IsPaused);
            Assert.Equal(new DateTimeOffset(start.AddDays(3), TimeSpan.Zero), state.NextRun!.LogicalDate);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
