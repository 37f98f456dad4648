using System.Text.Json;

namespace Gale.Host.Tests.Cli;

public sealed class DagsNextExecutionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gale-next-").FullName;

    [Fact]
    public async Task NextExecution_DailyInNewYorkAcrossFallBack_PrintsLocalMidnightsWithOffsets()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "ny.yaml"), "dag_id: ny_daily\nschedule: '@daily'\ntimezone: America/New_York\nstart_date: 2024-01-01\ntasks:\n  - id: t\n    operator: empty\n");

        var (exit, stdout, stderr) = await GaleProcess.RunAsync(_folder, "dags", "next-execution", "ny_daily", "--dags-folder", _folder, "-n", "3", "--after", "2024-11-02T12:00:00-04:00", "--output", "json");

        Assert.True(exit == 0, stderr);
        var runs = JsonDocument.Parse(stdout).RootElement.EnumerateArray().Select(r => (
            r.GetProperty("logical_date").GetString(),
            r.GetProperty("data_interval_start").GetString(),
            r.GetProperty("data_interval_end").GetString(),
            r.GetProperty("run_after").GetString())).ToList();
        Assert.Equal(
            [
                ("2024-11-02T00:00:00-04:00", "2024-11-02T00:00:00-04:00", "2024-11-03T00:00:00-04:00", "2024-11-03T00:00:00-04:00"),
                ("2024-11-03T00:00:00-04:00", "2024-11-03T00:00:00-04:00", "2024-11-04T00:00:00-05:00", "2024-11-04T00:00:00-05:00"),
                ("2024-11-04T00:00:00-05:00", "2024-11-04T00:00:00-05:00", "2024-11-05T00:00:00-05:00", "2024-11-05T00:00:00-05:00"),
            ],
            runs);
    }

    [Theory]
    [InlineData("schedule: '0 0 * *'", "schedule: '0 0 * *' is not a cron expression")]
    [InlineData("schedule: '@daily'\ntimezone: Mars/Base", "timezone: 'Mars/Base' is not a time zone")]
    public async Task NextExecution_BadSchedule_ImportErrorNamesFileLineAndField(string yaml, string expected)
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "bad.yaml"), $"dag_id: bad_schedule\n{yaml}\ntasks:\n  - id: t\n    operator: empty\n");

        var (exit, _, stderr) = await GaleProcess.RunAsync(_folder, "dags", "next-execution", "bad_schedule", "--dags-folder", _folder);

        Assert.Equal(2, exit);
        Assert.Contains("bad.yaml:", stderr, StringComparison.Ordinal);
        Assert.Contains(expected.Split(": ", 2)[0], stderr, StringComparison.Ordinal);
        Assert.Contains(expected.Split(": ", 2)[1], stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NextExecution_ManualOnlyDag_SaysSoAndExitZero()
    {
        var (exit, stdout, _) = await GaleProcess.RunAsync(_folder, "dags", "next-execution", "example_etl", "--dags-folder", _folder);

        Assert.Equal(0, exit);
        Assert.Contains("runs only when triggered", stdout, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
