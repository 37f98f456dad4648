using Gale.Dags;
using Gale.Runs;
using Gale.Runs.Commands;
using Gale.Runs.Events;

namespace Gale.Core.Tests.Runs;

public sealed class MarkStateTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Dag Chain = Dag.Create("chain").Task("a", _ => { }).Task("b", _ => { }, after: "a").Task("c", _ => { }, after: "b").Build();

    private static RunSnapshot Running()
    {
        var s = RunSnapshotFactory.Create(Chain, new DagRun { DagId = "chain", RunId = "manual__1", LogicalDate = T0, QueuedAt = T0 });
        s = RunDecider.Decide(Chain, s, new RunStarted { EventId = "start", At = T0 }, T0).Snapshot;
        return RunDecider.Decide(Chain, s, new TaskStarted { EventId = "a-start", Task = new("a"), TryNumber = 1, WorkerId = "w", At = T0 }, T0).Snapshot;
    }

    private static TaskInstanceState State(RunSnapshot s, string task) => s.Find(new(task))!.State;

    [Fact]
    public void RunStateSet_FailedOnARunningRun_RunningFailsOthersSkipped_FinishedWithoutCallbacks()
    {
        var d = RunDecider.Decide(Chain, Running(), new RunStateSet { EventId = "mark", State = DagRunState.Failed }, T0.AddMinutes(1));

        Assert.Equal(DagRunState.Failed, d.Snapshot.Run.State);
        Assert.Equal((TaskInstanceState.Failed, TaskInstanceState.Skipped, TaskInstanceState.Skipped), (State(d.Snapshot, "a"), State(d.Snapshot, "b"), State(d.Snapshot, "c")));
        Assert.Equal(new RunFinished(d.Snapshot.Key, DagRunState.Failed, RunFinished.Marked), Assert.Single(d.Commands));
    }

    [Fact]
    public void RunStateSet_SuccessOnAFailedRun_EveryInstanceSucceeds_NoCommandForAFinishedRun()
    {
        var failed = RunDecider.Decide(Chain, Running(), new TaskFinished { EventId = "a-done", Task = new("a"), TryNumber = 1, Outcome = AttemptOutcome.Failed, At = T0, WorkerId = "w" }, T0).Snapshot;
        Assert.Equal(DagRunState.Failed, failed.Run.State);

        var d = RunDecider.Decide(Chain, failed, new RunStateSet { EventId = "mark", State = DagRunState.Success }, T0.AddMinutes(1));
        var again = RunDecider.Decide(Chain, d.Snapshot with { Run = d.Snapshot.Run with { State = DagRunState.Failed } }, new RunStateSet { EventId = "mark", State = DagRunState.Success }, T0.AddMinutes(2));

        Assert.Equal(DagRunState.Success, d.Snapshot.Run.State);
        Assert.All(["a", "b", "c"], t => Assert.Equal(TaskInstanceState.Success, State(d.Snapshot, t)));
        Assert.Empty(d.Commands);
        Assert.Equal(DagRunState.Failed, again.Snapshot.Run.State); // the same event id is applied once
    }

    [Fact]
    public void TaskStateSet_SuccessOnARunningTask_DownstreamQueued_LateResultIgnored()
    {
        var d = RunDecider.Decide(Chain, Running(), new TaskStateSet { EventId = "mark-a", Task = new("a"), State = TaskInstanceState.Success }, T0.AddMinutes(1));
        var late = RunDecider.Decide(Chain, d.Snapshot, new TaskFinished { EventId = "a-done", Task = new("a"), TryNumber = 1, Outcome = AttemptOutcome.Failed, At = T0.AddMinutes(2), WorkerId = "w" }, T0.AddMinutes(2));

        Assert.Equal(TaskInstanceState.Success, State(d.Snapshot, "a"));
        Assert.Equal(new EnqueueAttempt(d.Snapshot.Key, new("b"), 1), Assert.Single(d.Commands));
        Assert.Equal(TaskInstanceState.Success, State(late.Snapshot, "a"));
        Assert.Equal(DagRunState.Running, late.Snapshot.Run.State);
    }

    [Fact]
    public void TaskStateSet_FailedOnARunningTask_DownstreamUpstreamFailed_RunFails()
    {
        var d = RunDecider.Decide(Chain, Running(), new TaskStateSet { EventId = "mark-a", Task = new("a"), State = TaskInstanceState.Failed }, T0.AddMinutes(1));

        Assert.Equal((TaskInstanceState.Failed, TaskInstanceState.UpstreamFailed), (State(d.Snapshot, "a"), State(d.Snapshot, "b")));
        Assert.Equal(DagRunState.Failed, d.Snapshot.Run.State);
    }
}
