using Gale.Dags;
using Gale.Runs;
using Gale.Runs.Commands;
using Gale.Runs.Events;

namespace Gale.Core.Tests.Runs;

public sealed class RunDeciderTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private int _eventCounter;

    private static RunSnapshot NewRun(Dag dag) =>
        RunSnapshotFactory.Create(dag, new DagRun { DagId = dag.DagId, RunId = "manual__1", LogicalDate = T0, QueuedAt = T0 });

    private Decision Started(Dag dag) => RunDecider.Decide(dag, NewRun(dag), new RunStarted { EventId = Id(), At = T0 }, T0);

    private TaskFinished Finished(string task, int tryNumber, AttemptOutcome outcome, int minutes = 1) =>
        new() { EventId = Id(), Task = new(task), TryNumber = tryNumber, Outcome = outcome, At = T0.AddMinutes(minutes), WorkerId = "w1" };

    private string Id() => $"e{++_eventCounter}";

    private static Dag Chain(int retries = 0) => Dag.Create("chain")
        .Task("a", _ => { }, options: new TaskOptions { Retries = retries, RetryDelay = TimeSpan.FromMinutes(2) })
        .Task("b", _ => { }, after: "a")
        .Build();

    [Fact]
    public void RunStarted_QueuedRun_RunsAndEnqueuesOnlyRoots()
    {
        var dag = Dag.Create("d").Task("a", _ => { }).Task("b", _ => { }).Task("c", _ => { }, after: ["a", "b"]).Build();

        var d = Started(dag);

        Assert.Equal(DagRunState.Running, d.Snapshot.Run.State);
        Assert.Equal(T0, d.Snapshot.Run.StartDate);
        Assert.Equal(["a", "b"], d.Commands.OfType<EnqueueAttempt>().Select(c => c.Task.TaskId));
        Assert.All(d.Commands.OfType<EnqueueAttempt>(), c => Assert.Equal(1, c.TryNumber));
        Assert.Equal(TaskInstanceState.Queued, d.Snapshot.Find(new("a"))!.State);
        Assert.Equal(TaskInstanceState.None, d.Snapshot.Find(new("c"))!.State);
    }

    [Fact]
    public void TaskFinished_Success_EnqueuesDownstreamAndFinishesRunAtTheEnd()
    {
        var dag = Chain();
        var s = Started(dag).Snapshot;

        var afterA = RunDecider.Decide(dag, s, Finished("a", 1, AttemptOutcome.Success), T0.AddMinutes(1));
        var afterB = RunDecider.Decide(dag, afterA.Snapshot, Finished("b", 1, AttemptOutcome.Success, 2), T0.AddMinutes(2));

        Assert.Equal(new EnqueueAttempt(s.Key, new("b"), 1), Assert.Single(afterA.Commands));
        Assert.Equal(DagRunState.Running, afterA.Snapshot.Run.State);
        Assert.Equal(DagRunState.Success, afterB.Snapshot.Run.State);
        Assert.Equal(T0.AddMinutes(2), afterB.Snapshot.Run.EndDate);
        Assert.Equal(new RunFinished(s.Key, DagRunState.Success, "success"), Assert.Single(afterB.Commands));
    }

    [Fact]
    public void TaskStarted_ThenFinished_RecordsDatesWorkerAndDuration()
    {
        var dag = Chain();
        var s = Started(dag).Snapshot;

        s = RunDecider.Decide(dag, s, new TaskStarted { EventId = Id(), Task = new("a"), TryNumber = 1, WorkerId = "w7", At = T0.AddSeconds(5) }, T0).Snapshot;
        s = RunDecider.Decide(dag, s, Finished("a", 1, AttemptOutcome.Success), T0.AddMinutes(1)).Snapshot;
        var a = s.Find(new("a"))!;

        Assert.Equal((TaskInstanceState.Success, "w7"), (a.State, a.WorkerId));
        Assert.Equal(T0.AddSeconds(5), a.StartDate);
        Assert.Equal(TimeSpan.FromSeconds(55), a.Duration);
    }

    [Fact]
    public void TaskFinished_DeliveredTwice_SecondChangesNothing()
    {
        var dag = Chain();
        var s = Started(dag).Snapshot;
        var finished = Finished("a", 1, AttemptOutcome.Success);

        var first = RunDecider.Decide(dag, s, finished, T0.AddMinutes(1));
        var second = RunDecider.Decide(dag, first.Snapshot, finished, T0.AddMinutes(1));

        Assert.True(first.Changed);
        Assert.False(second.Changed);
        Assert.Empty(second.Commands);
        Assert.Same(first.Snapshot, second.Snapshot);
    }

    [Fact]
    public void TaskFinished_StaleTry_Ignored()
    {
        var dag = Chain(retries: 1);
        var s = Started(dag).Snapshot;
        s = RunDecider.Decide(dag, s, Finished("a", 1, AttemptOutcome.Failed), T0.AddMinutes(1)).Snapshot;
        s = RunDecider.Decide(dag, s, new RetryDue { EventId = Id(), Task = new("a"), FailedTryNumber = 1, At = T0.AddMinutes(3) }, T0.AddMinutes(3)).Snapshot;

        var stale = RunDecider.Decide(dag, s, Finished("a", 1, AttemptOutcome.Success, 4), T0.AddMinutes(4));

        Assert.False(stale.Changed);
        Assert.Equal((TaskInstanceState.Queued, 2), (s.Find(new("a"))!.State, s.Find(new("a"))!.TryNumber));
    }

    [Fact]
    public void TaskFinished_FailedWithRetriesLeft_UpForRetryThenRequeuedWithNextTry()
    {
        var dag = Chain(retries: 1);
        var s = Started(dag).Snapshot;

        var failed = RunDecider.Decide(dag, s, Finished("a", 1, AttemptOutcome.Failed), T0.AddMinutes(1));
        var due = RunDecider.Decide(dag, failed.Snapshot, new RetryDue { EventId = Id(), Task = new("a"), FailedTryNumber = 1 }, T0.AddMinutes(3));
        var failedAgain = RunDecider.Decide(dag, due.Snapshot, Finished("a", 2, AttemptOutcome.Failed, 4), T0.AddMinutes(4));

        var a = failed.Snapshot.Find(new("a"))!;
        Assert.Equal(TaskInstanceState.UpForRetry, a.State);
        Assert.Equal(T0.AddMinutes(3), a.NextRetryAt);
        Assert.Equal(new ScheduleRetry(s.Key, new("a"), 1, T0.AddMinutes(3)), Assert.Single(failed.Commands));
        Assert.Equal(new EnqueueAttempt(s.Key, new("a"), 2), Assert.Single(due.Commands));
        Assert.Equal(TaskInstanceState.Failed, failedAgain.Snapshot.Find(new("a"))!.State);
        Assert.Equal(TaskInstanceState.UpstreamFailed, failedAgain.Snapshot.Find(new("b"))!.State);
        Assert.Equal(DagRunState.Failed, failedAgain.Snapshot.Run.State);
        Assert.Contains(new RunFinished(s.Key, DagRunState.Failed, "task_failure"), failedAgain.Commands);
    }

    [Fact]
    public void TaskFinished_FailedWithAllDoneLeaf_RunSucceeds()
    {
        var dag = Dag.Create("d").Task("a", _ => { }).Task("report", _ => { }, after: "a", options: new TaskOptions { TriggerRule = TriggerRule.AllDone }).Build();
        var s = Started(dag).Snapshot;

        s = RunDecider.Decide(dag, s, Finished("a", 1, AttemptOutcome.Failed), T0.AddMinutes(1)).Snapshot;
        var end = RunDecider.Decide(dag, s, Finished("report", 1, AttemptOutcome.Success, 2), T0.AddMinutes(2));

        Assert.Equal(TaskInstanceState.Queued, s.Find(new("report"))!.State);
        Assert.Equal(DagRunState.Success, end.Snapshot.Run.State);
    }

    [Fact]
    public void TaskFinished_SkippedRoot_SkipsAllSuccessChainAndRunSucceeds()
    {
        var dag = Dag.Create("d").Task("a", _ => { }).Task("b", _ => { }, after: "a").Task("c", _ => { }, after: "b").Build();
        var s = Started(dag).Snapshot;

        var d = RunDecider.Decide(dag, s, Finished("a", 1, AttemptOutcome.Skipped), T0.AddMinutes(1));

        Assert.Equal(TaskInstanceState.Skipped, d.Snapshot.Find(new("b"))!.State);
        Assert.Equal(TaskInstanceState.Skipped, d.Snapshot.Find(new("c"))!.State);
        Assert.Equal(DagRunState.Success, d.Snapshot.Run.State);
    }

    [Fact]
    public void TeardownFailure_DoesNotFailRun_WorkFailureDoes()
    {
        var dag = Dag.Create("d")
            .Task("setup", _ => { }, options: new TaskOptions { IsSetup = true })
            .Task("work", _ => { }, after: "setup")
            .Task("teardown", _ => { }, after: ["setup", "work"], options: new TaskOptions { IsTeardown = true })
            .Build();
        var s = Started(dag).Snapshot;
        s = RunDecider.Decide(dag, s, Finished("setup", 1, AttemptOutcome.Success), T0.AddMinutes(1)).Snapshot;

        var workOk = RunDecider.Decide(dag, s, Finished("work", 1, AttemptOutcome.Success, 2), T0.AddMinutes(2)).Snapshot;
        var okEnd = RunDecider.Decide(dag, workOk, Finished("teardown", 1, AttemptOutcome.Failed, 3), T0.AddMinutes(3)).Snapshot;
        var workFailed = RunDecider.Decide(dag, s, Finished("work", 1, AttemptOutcome.Failed, 2), T0.AddMinutes(2)).Snapshot;
        var failedEnd = RunDecider.Decide(dag, workFailed, Finished("teardown", 1, AttemptOutcome.Success, 3), T0.AddMinutes(3)).Snapshot;

        Assert.Equal(DagRunState.Success, okEnd.Run.State);
        Assert.Equal(TaskInstanceState.Queued, workFailed.Find(new("teardown"))!.State);
        Assert.Equal(DagRunState.Failed, failedEnd.Run.State);
    }

    [Fact]
    public void FinishedRun_LateEvents_Ignored()
    {
        var dag = Chain();
        var s = Started(dag).Snapshot;
        s = RunDecider.Decide(dag, s, Finished("a", 1, AttemptOutcome.Failed), T0.AddMinutes(1)).Snapshot;

        var late = RunDecider.Decide(dag, s, Finished("b", 1, AttemptOutcome.Success), T0.AddMinutes(5));

        Assert.Equal(DagRunState.Failed, s.Run.State);
        Assert.False(late.Changed);
    }

    [Fact]
    public void Decide_BatchOfEvents_SameResultAsOneByOne()
    {
        var dag = Dag.Create("fan").Task("start", _ => { })
            .Task("x", _ => { }, after: "start").Task("y", _ => { }, after: "start").Task("z", _ => { }, after: "start")
            .Task("end", _ => { }, after: ["x", "y", "z"]).Build();
        var s = RunDecider.Decide(dag, Started(dag).Snapshot, Finished("start", 1, AttemptOutcome.Success), T0).Snapshot;
        RunEvent[] events = [Finished("x", 1, AttemptOutcome.Success), Finished("y", 1, AttemptOutcome.Success), Finished("z", 1, AttemptOutcome.Success)];

        var batched = RunDecider.Decide(dag, s, events, T0.AddMinutes(1));
        var oneByOne = events.Aggregate(s, (snap, e) => RunDecider.Decide(dag, snap, e, T0.AddMinutes(1)).Snapshot);

        Assert.Equal(oneByOne.Tasks, batched.Snapshot.Tasks);
        Assert.Equal(new EnqueueAttempt(s.Key, new("end"), 1), Assert.Single(batched.Commands));
    }

    [Fact]
    public void RunStateEvaluator_UnfinishedWithNothingActive_IsDeadlock()
    {
        var dag = Chain();
        TaskInstance[] tis = [new() { TaskId = "a", State = TaskInstanceState.Success }, new() { TaskId = "b", State = TaskInstanceState.None }];

        Assert.Equal((DagRunState.Failed, "all_tasks_deadlocked"), RunStateEvaluator.Evaluate(dag, tis));
    }

    [Fact]
    public void RetryPolicy_ExponentialBackoff_WithinAirflowBoundsAndCapped()
    {
        var task = new DagTask { TaskId = "t", Operator = new Gale.Execution.DelegateOperator(_ => default), RetryDelay = TimeSpan.FromSeconds(300), RetryExponentialBackoff = true };

        var first = RetryPolicy.Delay(task, "d", T0, 1);
        var third = RetryPolicy.Delay(task, "d", T0, 3);
        var capped = RetryPolicy.Delay(task with { MaxRetryDelay = TimeSpan.FromSeconds(400) }, "d", T0, 3);
        var huge = RetryPolicy.Delay(task, "d", T0, 30);

        Assert.InRange(first.TotalSeconds, 300, 599);
        Assert.InRange(third.TotalSeconds, 1200, 2399);
        Assert.Equal(first, RetryPolicy.Delay(task, "d", T0, 1));
        Assert.Equal(TimeSpan.FromSeconds(400), capped);
        Assert.Equal(TimeSpan.FromDays(1), huge);
        Assert.Equal(TimeSpan.FromSeconds(300), RetryPolicy.Delay(task with { RetryExponentialBackoff = false, MaxRetryDelay = TimeSpan.FromSeconds(10) }, "d", T0, 3));
    }
}
