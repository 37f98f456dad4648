using Gale.Dags;
using Gale.Runs;
using Gale.Scheduling;

namespace Gale.Core.Tests.Scheduling;

public sealed class BackfillPlannerTests
{
    private static readonly DateTimeOffset Jan1 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Dag Daily = Dag.Create("daily", "@daily", Jan1).Task("t", _ => { }).Build();

    private static DagRun Existing(int day, DagRunState state) => new()
    {
        DagId = "daily",
        RunId = DagRun.CreateRunId(DagRunType.Scheduled, Jan1.AddDays(day)),
        LogicalDate = Jan1.AddDays(day),
        State = state,
        QueuedAt = Jan1,
    };

    [Fact]
    public void Plan_InclusiveRange_OneCreateStepPerIntervalWithBackfillRunIds()
    {
        var plan = BackfillPlanner.Plan(Daily, Jan1, Jan1.AddDays(2), [], ReprocessBehavior.None, runBackwards: false);

        Assert.Equal([Jan1, Jan1.AddDays(1), Jan1.AddDays(2)], plan.Select(s => s.Info.LogicalDate));
        Assert.All(plan, s => Assert.Equal(BackfillAction.Create, s.Action));
        Assert.Equal("backfill__2024-01-01T00:00:00+00:00", plan[0].Run(Jan1)!.RunId);
        Assert.Equal(DagRunType.Backfill, plan[0].Run(Jan1)!.RunType);
    }

    [Theory]
    [InlineData(ReprocessBehavior.None, "skip,skip,skip,create")]
    [InlineData(ReprocessBehavior.Failed, "skip,rerun,skip,create")]
    [InlineData(ReprocessBehavior.Completed, "rerun,rerun,skip,create")]
    public void Plan_ExistingRuns_ReprocessDecidesWhatRunsAgain(ReprocessBehavior reprocess, string expected)
    {
        DagRun[] existing = [Existing(0, DagRunState.Success), Existing(1, DagRunState.Failed), Existing(2, DagRunState.Running)];

        var plan = BackfillPlanner.Plan(Daily, Jan1, Jan1.AddDays(3), existing, reprocess, runBackwards: false);

        Assert.Equal(expected, string.Join(',', plan.Select(s => s.Action.ToString().ToLowerInvariant())));
        Assert.Equal(existing[1].RunId, plan[1].Existing!.RunId);
    }

    [Fact]
    public void Plan_RunBackwards_NewestFirst()
    {
        var plan = BackfillPlanner.Plan(Daily, Jan1, Jan1.AddDays(2), [], ReprocessBehavior.None, runBackwards: true);

        Assert.Equal([Jan1.AddDays(2), Jan1.AddDays(1), Jan1], plan.Select(s => s.Info.LogicalDate));
    }

    [Fact]
    public void Plan_BadInput_ExplainsWhy()
    {
        var manual = Dag.Create("manual").Task("t", _ => { }).Build();

        Assert.Contains("before --from", Assert.Throws<ArgumentException>(() => BackfillPlanner.Plan(Daily, Jan1.AddDays(2), Jan1, [], ReprocessBehavior.None, false)).Message, StringComparison.Ordinal);
        Assert.Contains("can be backfilled", Assert.Throws<ArgumentException>(() => BackfillPlanner.Plan(manual, Jan1, Jan1.AddDays(1), [], ReprocessBehavior.None, false)).Message, StringComparison.Ordinal);
    }
}
