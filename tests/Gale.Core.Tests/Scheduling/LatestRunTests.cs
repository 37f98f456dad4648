using Gale.Runs;
using Gale.Scheduling;
using Gale.Timetables;

namespace Gale.Core.Tests.Scheduling;

public sealed class LatestRunTests
{
    private static readonly ITimetable Daily = TimetableParser.Parse("@daily", "UTC");

    private static DataInterval Day(int year, int month, int day)
    {
        var start = new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero);
        return new DataInterval(start, start.AddDays(1));
    }

    [Theory]
    // Run for 2024-01-01 covers [01-01, 01-02); the next run covers [01-02, 01-03): latest while now is in (01-02, 01-03].
    [InlineData("2024-01-02T00:00:00Z", false)]
    [InlineData("2024-01-02T00:00:01Z", true)]
    [InlineData("2024-01-02T23:59:59Z", true)]
    [InlineData("2024-01-03T00:00:00Z", true)]
    [InlineData("2024-01-03T00:00:01Z", false)]
    [InlineData("2024-03-01T00:00:00Z", false)]
    public void Decide_ScheduledDailyRun_IsLatestOnlyWhileTheNextIntervalRuns(string now, bool expected)
    {
        var verdict = LatestRun.Decide(Daily, DagRunType.Scheduled, Day(2024, 1, 1), DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(expected, verdict.IsLatest);
        Assert.Contains(expected ? "allowing execution to proceed" : "skipping downstream", verdict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DagRunType.Backfill, false)]
    [InlineData(DagRunType.Manual, true)]
    public void Decide_OldRunByType_OnlyManualProceeds(DagRunType type, bool expected)
    {
        var verdict = LatestRun.Decide(Daily, type, Day(2024, 1, 1), new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(expected, verdict.IsLatest);
    }

    [Fact]
    public void Decide_NoNextRun_Proceeds()
    {
        var once = TimetableParser.Parse("@once", "UTC");

        var verdict = LatestRun.Decide(once, DagRunType.Scheduled, Day(2024, 1, 1), new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.True(verdict.IsLatest);
        Assert.Contains("Last scheduled run", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_DailyInAmsterdamAcrossSpringForward_UsesTheNext23HourInterval()
    {
        var amsterdam = TimetableParser.Parse("@daily", "Europe/Amsterdam");
        // The run of 2024-03-30 (local) covers [03-29T23:00Z, 03-30T23:00Z); the next covers [03-30T23:00Z, 03-31T22:00Z) (23 hours).
        var run = new DataInterval(new DateTimeOffset(2024, 3, 29, 23, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 3, 30, 23, 0, 0, TimeSpan.Zero));

        Assert.True(LatestRun.Decide(amsterdam, DagRunType.Scheduled, run, new DateTimeOffset(2024, 3, 31, 22, 0, 0, TimeSpan.Zero)).IsLatest);
        Assert.False(LatestRun.Decide(amsterdam, DagRunType.Scheduled, run, new DateTimeOffset(2024, 3, 31, 22, 30, 0, TimeSpan.Zero)).IsLatest);
    }
}
