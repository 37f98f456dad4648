using Gale.Timetables;

namespace Gale.Core.Tests.Timetables;

/// <summary>Timetables against Airflow 2's documented behaviour (pendulum time zones, croniter, catchup rules).</summary>
public sealed class TimetableTests
{
    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();

    // Walks a timetable with catchup from its start and returns the first `count` runs as (start, end) in UTC.
    private static List<(DateTimeOffset Start, DateTimeOffset End)> Walk(ITimetable timetable, string start, int count)
    {
        var restriction = new TimeRestriction(Utc(start), null, Catchup: true);
        var runs = new List<(DateTimeOffset, DateTimeOffset)>();
        DataInterval? last = null;
        for (var i = 0; i < count; i++)
        {
            var info = timetable.NextDagRunInfo(last, restriction, Utc("2100-01-01T00:00:00Z"))!;
            runs.Add((info.DataInterval.Start, info.DataInterval.End));
            Assert.Equal(info.DataInterval.End, info.RunAfter);
            last = info.DataInterval;
        }

        return runs;
    }

    public static TheoryData<string, string, string, string[]> DstGrid => new()
    {
        // @daily stays at local midnight: 23-hour interval on spring forward, 25-hour on fall back.
        { "@daily", "Europe/Amsterdam", "2024-03-30T00:00:00+01:00", ["2024-03-29T23:00Z", "2024-03-30T23:00Z", "2024-03-31T22:00Z", "2024-04-01T22:00Z"] },
        { "@daily", "Europe/Amsterdam", "2024-10-26T00:00:00+02:00", ["2024-10-25T22:00Z", "2024-10-26T22:00Z", "2024-10-27T23:00Z", "2024-10-28T23:00Z"] },
        { "@daily", "America/New_York", "2024-03-09T00:00:00-05:00", ["2024-03-09T05:00Z", "2024-03-10T05:00Z", "2024-03-11T04:00Z", "2024-03-12T04:00Z"] },
        { "@daily", "America/New_York", "2024-11-02T00:00:00-04:00", ["2024-11-02T04:00Z", "2024-11-03T04:00Z", "2024-11-04T05:00Z", "2024-11-05T05:00Z"] },
        // A daily run at 02:00, which does not exist on the spring-forward day: it moves to 03:00 that day only.
        { "0 2 * * *", "Europe/Amsterdam", "2024-03-30T02:00:00+01:00", ["2024-03-30T01:00Z", "2024-03-31T01:00Z", "2024-04-01T00:00Z", "2024-04-02T00:00Z"] },
        { "0 2 * * *", "America/New_York", "2024-03-09T02:00:00-05:00", ["2024-03-09T07:00Z", "2024-03-10T07:00Z", "2024-03-11T06:00Z", "2024-03-12T06:00Z"] },
        // A daily run at 01:30 on the fall-back day: the first (daylight) 01:30, as pendulum resolves ambiguity.
        { "30 1 * * *", "America/New_York", "2024-11-02T01:30:00-04:00", ["2024-11-02T05:30Z", "2024-11-03T05:30Z", "2024-11-04T06:30Z", "2024-11-05T06:30Z"] },
        { "0 2 * * *", "Europe/Amsterdam", "2024-10-26T02:00:00+02:00", ["2024-10-26T00:00Z", "2024-10-27T00:00Z", "2024-10-28T01:00Z", "2024-10-29T01:00Z"] },
        // @hourly follows the wall clock: the skipped hour has no run; the repeated hour runs once.
        { "@hourly", "Europe/Amsterdam", "2024-03-31T01:00:00+01:00", ["2024-03-31T00:00Z", "2024-03-31T01:00Z", "2024-03-31T02:00Z", "2024-03-31T03:00Z"] },
        { "@hourly", "Europe/Amsterdam", "2024-10-27T01:00:00+02:00", ["2024-10-26T23:00Z", "2024-10-27T00:00Z", "2024-10-27T02:00Z", "2024-10-27T03:00Z"] },
        { "30 * * * *", "America/New_York", "2024-11-03T00:30:00-04:00", ["2024-11-03T04:30Z", "2024-11-03T05:30Z", "2024-11-03T07:30Z", "2024-11-03T08:30Z"] },
        { "30 * * * *", "America/New_York", "2024-03-10T00:30:00-05:00", ["2024-03-10T05:30Z", "2024-03-10T06:30Z", "2024-03-10T07:30Z", "2024-03-10T08:30Z"] },
        // Every 6 hours on the wall clock: the interval over the gap is 5 elapsed hours, the one over the fold 7.
        { "0 */6 * * *", "Europe/Amsterdam", "2024-03-30T18:00:00+01:00", ["2024-03-30T17:00Z", "2024-03-30T23:00Z", "2024-03-31T04:00Z", "2024-03-31T10:00Z"] },
        { "0 */6 * * *", "Europe/Amsterdam", "2024-10-26T18:00:00+02:00", ["2024-10-26T16:00Z", "2024-10-26T22:00Z", "2024-10-27T05:00Z", "2024-10-27T11:00Z"] },
        // @weekly (Sunday midnight), @monthly, @quarterly and @yearly keep local midnight.
        { "@weekly", "Europe/Amsterdam", "2024-03-24T00:00:00+01:00", ["2024-03-23T23:00Z", "2024-03-30T23:00Z", "2024-04-06T22:00Z", "2024-04-13T22:00Z"] },
        { "@monthly", "America/New_York", "2024-02-01T00:00:00-05:00", ["2024-02-01T05:00Z", "2024-03-01T05:00Z", "2024-04-01T04:00Z", "2024-05-01T04:00Z"] },
        { "@quarterly", "Europe/Amsterdam", "2024-01-01T00:00:00+01:00", ["2023-12-31T23:00Z", "2024-03-31T22:00Z", "2024-06-30T22:00Z", "2024-09-30T22:00Z"] },
        { "@yearly", "UTC", "2024-01-01T00:00:00Z", ["2024-01-01T00:00Z", "2025-01-01T00:00Z", "2026-01-01T00:00Z", "2027-01-01T00:00Z"] },
        // A duration counts elapsed time, whatever the wall clock does.
        { "1h", "Europe/Amsterdam", "2024-03-31T01:00:00+01:00", ["2024-03-31T00:00Z", "2024-03-31T01:00Z", "2024-03-31T02:00Z", "2024-03-31T03:00Z"] },
        { "PT12H", "America/New_York", "2024-11-02T12:00:00-04:00", ["2024-11-02T16:00Z", "2024-11-03T04:00Z", "2024-11-03T16:00Z", "2024-11-04T04:00Z"] },
    };

    [Theory]
    [MemberData(nameof(DstGrid))]
    public void NextDagRunInfo_AcrossDst_MatchesAirflow(string schedule, string zone, string start, string[] boundaries)
    {
        var runs = Walk(TimetableParser.Parse(schedule, zone), start, boundaries.Length - 1);

        var expected = boundaries.Select(Utc).ToList();
        Assert.Equal(expected.Take(boundaries.Length - 1), runs.Select(r => r.Start));
        Assert.Equal(expected.Skip(1), runs.Select(r => r.End));
    }

    [Fact]
    public void NextDagRunInfo_StartDateBetweenBoundaries_AlignsToTheNextBoundary()
    {
        var info = TimetableParser.Parse("0 6 * * *").NextDagRunInfo(null, new TimeRestriction(Utc("2024-01-01T00:00:00Z"), null, true), Utc("2030-01-01T00:00:00Z"))!;

        Assert.Equal((Utc("2024-01-01T06:00:00Z"), Utc("2024-01-02T06:00:00Z")), (info.LogicalDate, info.RunAfter));
    }

    [Theory]
    [InlineData("2024-01-10T12:00:00Z", "2024-01-09T00:00:00Z")] // between boundaries: the last complete day
    [InlineData("2024-01-10T00:00:00Z", "2024-01-09T00:00:00Z")] // exactly on a boundary: the day that just ended
    [InlineData("2023-06-01T00:00:00Z", "2024-01-01T00:00:00Z")] // before the start date: the start date
    public void NextDagRunInfo_NoCatchup_SkipsToTheLatestCompleteInterval(string now, string expectedLogical)
    {
        var timetable = TimetableParser.Parse("@daily");

        var info = timetable.NextDagRunInfo(null, new TimeRestriction(Utc("2024-01-01T00:00:00Z"), null, Catchup: false), Utc(now))!;

        Assert.Equal(Utc(expectedLogical), info.LogicalDate);
        Assert.Equal(info.LogicalDate.AddDays(1), info.RunAfter);
    }

    [Fact]
    public void NextDagRunInfo_NoCatchupAfterDowntime_ContinuesFromTheLatestNotTheLastRun()
    {
        var timetable = TimetableParser.Parse("@daily");
        var lastRun = new DataInterval(Utc("2024-01-01T00:00:00Z"), Utc("2024-01-02T00:00:00Z"));

        var withCatchup = timetable.NextDagRunInfo(lastRun, new TimeRestriction(Utc("2024-01-01T00:00:00Z"), null, true), Utc("2024-01-09T05:00:00Z"))!;
        var without = timetable.NextDagRunInfo(lastRun, new TimeRestriction(Utc("2024-01-01T00:00:00Z"), null, false), Utc("2024-01-09T05:00:00Z"))!;

        Assert.Equal(Utc("2024-01-02T00:00:00Z"), withCatchup.LogicalDate);
        Assert.Equal(Utc("2024-01-08T00:00:00Z"), without.LogicalDate);
    }

    [Fact]
    public void NextDagRunInfo_PastEndDate_ReturnsNull()
    {
        var timetable = TimetableParser.Parse("@daily");
        var restriction = new TimeRestriction(Utc("2024-01-01T00:00:00Z"), Utc("2024-01-02T00:00:00Z"), true);

        var first = timetable.NextDagRunInfo(null, restriction, Utc("2030-01-01T00:00:00Z"))!;
        var second = timetable.NextDagRunInfo(first.DataInterval, restriction, Utc("2030-01-01T00:00:00Z"))!;
        var third = timetable.NextDagRunInfo(second.DataInterval, restriction, Utc("2030-01-01T00:00:00Z"));

        Assert.Equal([Utc("2024-01-01T00:00:00Z"), Utc("2024-01-02T00:00:00Z")], new[] { first.LogicalDate, second.LogicalDate });
        Assert.Null(third);
    }

    [Theory]
    [InlineData("@daily", "UTC", "2024-01-25T01:00:00Z", "2024-01-24T00:00:00Z", "2024-01-25T00:00:00Z")]
    [InlineData("@daily", "UTC", "2024-01-25T00:00:00Z", "2024-01-24T00:00:00Z", "2024-01-25T00:00:00Z")]
    [InlineData("@daily", "Europe/Amsterdam", "2024-03-31T12:00:00Z", "2024-03-29T23:00:00Z", "2024-03-30T23:00:00Z")]
    [InlineData("@daily", "Europe/Amsterdam", "2024-04-01T12:00:00Z", "2024-03-30T23:00:00Z", "2024-03-31T22:00:00Z")]
    [InlineData("2h", "UTC", "2024-01-25T01:00:00Z", "2024-01-24T23:00:00Z", "2024-01-25T01:00:00Z")]
    [InlineData(null, "UTC", "2024-01-25T01:00:00Z", "2024-01-25T01:00:00Z", "2024-01-25T01:00:00Z")]
    public void InferManualDataInterval_Trigger_CoversTheLastCompleteInterval(string? schedule, string zone, string runAfter, string start, string end)
    {
        var interval = TimetableParser.Parse(schedule, zone).InferManualDataInterval(Utc(runAfter));

        Assert.Equal((Utc(start), Utc(end)), (interval.Start, interval.End));
    }

    [Fact]
    public void Once_RunsAtStartDateOnce()
    {
        var once = TimetableParser.Parse("@once");
        var restriction = new TimeRestriction(Utc("2024-05-01T08:00:00Z"), null, false);

        var first = once.NextDagRunInfo(null, restriction, Utc("2030-01-01T00:00:00Z"))!;

        Assert.Equal((Utc("2024-05-01T08:00:00Z"), Utc("2024-05-01T08:00:00Z")), (first.LogicalDate, first.RunAfter));
        Assert.Null(once.NextDagRunInfo(first.DataInterval, restriction, Utc("2030-01-01T00:00:00Z")));
        Assert.Null(once.NextDagRunInfo(null, new TimeRestriction(null, null, false), Utc("2030-01-01T00:00:00Z")));
    }

    [Fact]
    public void Events_WithAndWithoutCatchup_RunAtEachEventOrSkipToTheLatest()
    {
        var events = new EventsTimetable([Utc("2024-01-03T06:00:00Z"), Utc("2024-01-01T06:00:00Z"), Utc("2024-01-02T06:00:00Z"), Utc("2024-02-01T06:00:00Z")]);
        var now = Utc("2024-01-15T00:00:00Z");

        var caughtUp = events.NextDagRunInfo(null, new TimeRestriction(null, null, true), now)!;
        var latest = events.NextDagRunInfo(null, new TimeRestriction(null, null, false), now)!;
        var after = events.NextDagRunInfo(latest.DataInterval, new TimeRestriction(null, null, false), now)!;
        var none = events.NextDagRunInfo(after.DataInterval, new TimeRestriction(null, null, false), now);

        Assert.Equal(Utc("2024-01-01T06:00:00Z"), caughtUp.LogicalDate);
        Assert.Equal(Utc("2024-01-03T06:00:00Z"), latest.LogicalDate);
        Assert.Equal(Utc("2024-02-01T06:00:00Z"), after.LogicalDate);
        Assert.Null(none);
    }

    [Theory]
    [InlineData("0 0 * *", "has 4 fields")]
    [InlineData("61 * * * *", "not a valid cron")]
    [InlineData("@fortnightly", "not a schedule preset")]
    [InlineData("soon", "not a schedule")]
    public void Parse_BadSchedule_ExplainsWhatIsAccepted(string schedule, string problem)
    {
        var e = Assert.Throws<FormatException>(() => TimetableParser.Parse(schedule));

        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zone_Unknown_ExplainsIanaNames()
    {
        var e = Assert.Throws<FormatException>(() => TimetableParser.Zone("Mars/Olympus"));

        Assert.Contains("IANA", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2024-01-01", "Europe/Amsterdam", "2023-12-31T23:00:00Z")]
    [InlineData("2024-07-01T06:30", "America/New_York", "2024-07-01T10:30:00Z")]
    [InlineData("2024-07-01T06:30:00+00:00", "America/New_York", "2024-07-01T06:30:00Z")]
    [InlineData("2024-03-31T02:30:00", "Europe/Amsterdam", "2024-03-31T01:30:00Z")] // does not exist: moves forward
    public void ParseDate_WithoutOffset_IsReadInTheZone(string text, string zone, string expected)
    {
        Assert.Equal(Utc(expected), TimetableParser.ParseDate(text, TimetableParser.Zone(zone)));
    }
}
