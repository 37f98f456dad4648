using Gale.Dags;
using Gale.Runs;
using Gale.Scheduling;
using Gale.Timetables;

namespace Gale.Core.Tests.Scheduling;

public sealed class SchedulePlannerTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Dag Daily(bool catchup, int maxActiveRuns = 16) => Dag.Create("daily", "@daily", Start)
        .With(s => s with { Catchup = catchup, MaxActiveRuns = maxActiveRuns })
        .Task("t", _ => { })
        .Build();

    [Fact]
    public void Plan_CatchupAfterAWeekOfDowntime_CreatesEveryMissedRunOnce()
    {
        var dag = Daily(catchup: true);
        var lastRun = new DataInterval(Start, Start.AddDays(1));
        var state = new DagState { DagId = "daily", LastAutomatedDataInterval = lastRun };

        var plan = SchedulePlanner.Plan(dag, state, [], Start.AddDays(8).AddHours(3));

        Assert.Equal(Enumerable.Range(1, 7).Select(d => Start.AddDays(d)), plan.Create.Select(r => r.LogicalDate));
        Assert.All(plan.Create, r => Assert.Equal((DagRunType.Scheduled, r.LogicalDate.AddDays(1)), (r.RunType, r.DataIntervalEnd)));
        Assert.Equal("scheduled__2024-01-02T00:00:00+00:00", plan.Create[0].RunId);
        Assert.Equal(new DataInterval(Start.AddDays(7), Start.AddDays(8)), plan.State.LastAutomatedDataInterval);
        Assert.Equal(Start.AddDays(8), plan.State.NextRun!.LogicalDate);

        var again = SchedulePlanner.Plan(dag, plan.State, [], Start.AddDays(8).AddHours(4));
        Assert.Empty(again.Create);
    }

    [Fact]
    public void Plan_NoCatchupAfterAWeekOfDowntime_CreatesOnlyTheLatest()
    {
        var dag = Daily(catchup: false);
        var state = new DagState { DagId = "daily", LastAutomatedDataInterval = new DataInterval(Start, Start.AddDays(1)) };

        var plan = SchedulePlanner.Plan(dag, state, [], Start.AddDays(8).AddHours(3));

        Assert.Equal([Start.AddDays(7)], plan.Create.Select(r => r.LogicalDate));
    }

    [Fact]
    public void Plan_BeforeTheFirstIntervalEnds_CreatesNothingAndShowsTheNextRun()
    {
        var plan = SchedulePlanner.Plan(Daily(catchup: true), new DagState { DagId = "daily" }, [], Start.AddHours(23));

        Assert.Empty(plan.Create);
        Assert.Equal((Start, Start.AddDays(1)), (plan.State.NextRun!.LogicalDate, plan.State.NextRun.RunAfter));
    }

    [Fact]
    public void Plan_Paused_CreatesAndStartsNothing()
    {
        var queued = new DagRun { DagId = "daily", RunId = "manual__1", State = DagRunState.Queued };

        var plan = SchedulePlanner.Plan(Daily(catchup: true), new DagState { DagId = "daily", IsPaused = true }, [queued], Start.AddDays(5));

        Assert.Empty(plan.Create);
        Assert.Empty(plan.Start);
        Assert.Equal(Start, plan.State.NextRun!.LogicalDate);
    }

    [Fact]
    public void Plan_MaxActiveRuns_StartsOldestQueuedWithinTheLimit()
    {
        var dag = Daily(catchup: true, maxActiveRuns: 2);
        var running = new DagRun { DagId = "daily", RunId = "r0", State = DagRunState.Running, LogicalDate = Start };
        var manual = new DagRun { DagId = "daily", RunId = "manual__x", State = DagRunState.Queued, LogicalDate = Start.AddDays(3).AddHours(5) };

        var plan = SchedulePlanner.Plan(dag, new DagState { DagId = "daily", LastAutomatedDataInterval = new DataInterval(Start, Start.AddDays(1)) }, [running, manual], Start.AddDays(5));

        Assert.Equal(4, plan.Create.Count); // Jan 2 to Jan 5
        Assert.Equal([plan.Create[0].Key], plan.Start); // one slot left: the oldest logical date
    }

    [Fact]
    public void Plan_LongDowntimeWithCatchup_CapsRunsPerTick()
    {
        var hourly = Dag.Create("hourly", "@hourly", Start).With(s => s with { Catchup = true }).Task("t", _ => { }).Build();

        var plan = SchedulePlanner.Plan(hourly, new DagState { DagId = "hourly" }, [], Start.AddDays(30), maxCreate: 10);
        var next = SchedulePlanner.Plan(hourly, plan.State, [], Start.AddDays(30), maxCreate: 10);

        Assert.Equal(10, plan.Create.Count);
        Assert.Equal(Start.AddHours(10), next.Create[0].LogicalDate);
    }
}
