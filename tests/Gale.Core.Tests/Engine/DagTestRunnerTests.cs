using Gale.Dags;
using Gale.Execution;
using Gale.Orchestration.InProcess;
using Gale.Runs;

namespace Gale.Core.Tests.Engine;

public sealed class DagTestRunnerTests
{
    private static readonly DateTimeOffset Logical = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static DagRun Run(Dag dag) => new()
    {
        DagId = dag.DagId,
        RunId = DagRun.CreateRunId(DagRunType.Manual, Logical),
        LogicalDate = Logical,
        DataIntervalStart = Logical,
        DataIntervalEnd = Logical,
        QueuedAt = Logical,
    };

    [Fact]
    public async Task RunAsync_Chain_SucceedsAndPassesReturnValues()
    {
        var seen = 0;
        var dag = Dag.Create("etl")
            .Task("extract", _ => 21)
            .Task("transform", ctx => ctx.XCom.Pull<int>("extract") * 2, after: "extract")
            .Task("load", ctx => { seen = ctx.XCom.Pull<int>("transform"); }, after: "transform")
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        Assert.False(result.Stuck);
        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        Assert.Equal(42, seen);
        Assert.All(result.Snapshot.Tasks.Values, t => Assert.Equal((TaskInstanceState.Success, 1), (t.State, t.TryNumber)));
        Assert.All(result.Snapshot.Tasks.Values, t => Assert.True(t.StartDate <= t.EndDate));
    }

    [Fact]
    public async Task RunAsync_FlakyTaskWithRetry_RetriesOnTheSkippedClock()
    {
        var calls = 0;
        var dag = Dag.Create("flaky")
            .Task("flaky", _ =>
            {
                if (++calls == 1)
                {
                    throw new InvalidOperationException("first try fails");
                }
            }, options: new TaskOptions { Retries = 2, RetryDelay = TimeSpan.FromMinutes(10) })
            .Build();
        var started = DateTimeOffset.UtcNow;

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        var ti = result.Snapshot.Find(new("flaky"))!;
        Assert.Equal((TaskInstanceState.Success, 2), (ti.State, ti.TryNumber));
        Assert.Equal(2, calls);
        Assert.True(ti.StartDate - started >= TimeSpan.FromMinutes(10), "the retry waited for its delay on the test clock");
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromMinutes(1), "without waiting in real time");
    }

    [Fact]
    public async Task RunAsync_FailingTask_FailsRunAndMarksDownstreamUpstreamFailed()
    {
        var dag = Dag.Create("broken")
            .Task("boom", _ => throw new InvalidOperationException("disk full"))
            .Task("after", _ => { }, after: "boom")
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        Assert.Equal(DagRunState.Failed, result.Snapshot.Run.State);
        var boom = result.Snapshot.Find(new("boom"))!;
        Assert.Equal(TaskInstanceState.Failed, boom.State);
        Assert.Equal("InvalidOperationException: disk full", boom.Message);
        Assert.Equal(TaskInstanceState.UpstreamFailed, result.Snapshot.Find(new("after"))!.State);
    }

    [Fact]
    public async Task RunAsync_TaskSkipsItself_DownstreamSkippedRunSucceeds()
    {
        var dag = Dag.Create("skippy")
            .Task("check", _ => throw new TaskSkippedException("nothing to do"))
            .Task("work", _ => { }, after: "check")
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        Assert.Equal(TaskInstanceState.Skipped, result.Snapshot.Find(new("check"))!.State);
        Assert.Equal(TaskInstanceState.Skipped, result.Snapshot.Find(new("work"))!.State);
    }

    [Fact]
    public async Task RunAsync_ExecutionTimeout_CancelsAndFailsAttempt()
    {
        var dag = Dag.Create("slow")
            .Task("sleepy", async ctx => await Task.Delay(TimeSpan.FromSeconds(30), ctx.CancellationToken), options: new TaskOptions { ExecutionTimeout = TimeSpan.FromMilliseconds(200) })
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        var ti = result.Snapshot.Find(new("sleepy"))!;
        Assert.Equal(TaskInstanceState.Failed, ti.State);
        Assert.Contains("execution_timeout", ti.Message, StringComparison.Ordinal);
    }
}
