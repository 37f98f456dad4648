using System.Text.Json;

namespace Gale.Host.Tests.Cli;

/// <summary><c>gale dags backfill</c> against Azurite, running tasks in the CLI process.</summary>
public sealed class DagsBackfillTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gale-backfill-").FullName;

    private async Task<string> WriteDagAsync(string command)
    {
        var dagId = "bf_" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllTextAsync(Path.Combine(_folder, $"{dagId}.yaml"), $"dag_id: {dagId}\nschedule: '@daily'\ntimezone: Europe/Amsterdam\nstart_date: 2024-01-01\ntasks:\n  - id: work\n    operator: shell\n    command: \"{command}\"\n");
        return dagId;
    }

    private static List<(string LogicalDate, string Action, string? State)> Rows(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateArray()
            .Select(r => (r.GetProperty("logical_date").GetString()!, r.GetProperty("action").GetString()!, r.GetProperty("state").GetString()))
            .ToList();

    [Fact]
    public async Task Backfill_ThreeDays_RunsEachOnceThenSkipsThemAndDryRunShowsReruns()
    {
        var dagId = await WriteDagAsync("echo {{ ds }}");
        var storage = azurite.Server.ConnectionString;

        var (exit, stdout, stderr) = await GaleProcess.RunAsync(_folder, "dags", "backfill", dagId, "--from", "2024-03-30", "--to", "2024-04-01", "--max-active-runs", "2", "--dags-folder", _folder, "--storage", storage, "--output", "json");

        Assert.True(exit == 0, stderr);
        Assert.Equal(
            [("2024-03-30T00:00:00+01:00", "create", "success"), ("2024-03-31T00:00:00+01:00", "create", "success"), ("2024-04-01T00:00:00+02:00", "create", "success")],
            Rows(stdout));
        Assert.Contains("3/3 runs finished", stderr, StringComparison.Ordinal);

        var (againExit, again, _) = await GaleProcess.RunAsync(_folder, "dags", "backfill", dagId, "--from", "2024-03-30", "--to", "2024-04-01", "--dags-folder", _folder, "--storage", storage, "--output", "json");
        Assert.Equal(0, againExit);
        Assert.All(Rows(again), r => Assert.Equal("skip", r.Action));

        var (dryExit, dry, _) = await GaleProcess.RunAsync(_folder, "dags", "backfill", dagId, "--from", "2024-03-30", "--to", "2024-04-01", "--reprocess", "completed", "--run-backwards", "--dry-run", "--dags-folder", _folder, "--storage", storage, "--output", "json");
        Assert.Equal(0, dryExit);
        Assert.Equal(["2024-04-01T00:00:00+02:00", "2024-03-31T00:00:00+01:00", "2024-03-30T00:00:00+01:00"], Rows(dry).Select(r => r.LogicalDate));
        Assert.All(Rows(dry), r => Assert.Equal(("rerun", null), (r.Action, r.State)));
    }

    [Fact]
    public async Task Backfill_FailingTask_ExitOneWithFailedRuns()
    {
        var dagId = await WriteDagAsync("exit 3");

        var (exit, stdout, _) = await GaleProcess.RunAsync(_folder, "dags", "backfill", dagId, "--from", "2024-01-01", "--to", "2024-01-02", "--dags-folder", _folder, "--storage", azurite.Server.ConnectionString, "--output", "json");

        Assert.Equal(1, exit);
        Assert.All(Rows(stdout), r => Assert.Equal("failed", r.State));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
