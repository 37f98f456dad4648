using Gale.Dags;
using Gale.Runs;
using Gale.Runs.Commands;
using Gale.Runs.Events;

namespace Gale.Core.Tests.Runs;

public sealed class ClearTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Dag Chain = Dag.Create("chain")
        .Task("a", _ => { })
        .Task("b", _ => { }, after: "a", options: new TaskOptions { Retries = 1 })
        .Task("c", _ => { }, after: "b")
        .Build();

    private static RunSnapshot Run(params (string Task, AttemptOutcome Outcome)[] outcomes)
    {
        var s = RunDecider.Decide(Chain, RunSnapshotFactory.Create(Chain, new DagRun { DagId = "chain", RunId = "r", LogicalDate = T0 }), new RunStarted { EventId = "s" }, T0).Snapshot;
        var i = 0;
        foreach (var (task, outcome) in outcomes)
        {
            var ti = s.Find(new(task))!;
            s = RunDecider.Decide(Chain, s, new TaskFinished { EventId = $"f{i++}", Task = ti.Key, TryNumber = ti.TryNumber, Outcome = outcome, At = T0 }, T0).Snapshot;
        }

        return s;
    }

    [Fact]
    public void Clear_TaskInFinishedRun_RunsAgainWithNextTryAndRunIsRunning()
    {
        var done = Run(("a", AttemptOutcome.Success), ("b", AttemptOutcome.Success), ("c", AttemptOutcome.Success));

        var d = RunDecider.Decide(Chain, done, new TasksCleared { EventId = "clear-1", TaskIds = ["b"] }, T0.AddHours(1));

        Assert.Equal(DagRunState.Success, done.Run.State);
        Assert.Equal(DagRunState.Running, d.Snapshot.Run.State);
        Assert.Null(d.Snapshot.Run.EndDate);
        var b = d.Snapshot.Find(new("b"))!;
        Assert.Equal((TaskInstanceState.Queued, 2), (b.State, b.TryNumber));
        Assert.Equal(2, b.MaxTries); // full retries again: try 1 + retries 1
        Assert.Equal(TaskInstanceState.Success, d.Snapshot.Find(new("c"))!.State);
        Assert.Equal(new EnqueueAttempt(done.Key, new("b"), 2), Assert.Single(d.Commands.OfType<EnqueueAttempt>()));
        Assert.Equal([new TaskInstanceKey("b")], Assert.Single(d.Commands.OfType<ClearTaskData>()).Tasks); // its XComs go too
    }

    [Fact]
    public void Clear_WithDownstream_ClearsTheRestOfTheChain()
    {
        var done = Run(("a", AttemptOutcome.Success), ("b", AttemptOutcome.Success), ("c", AttemptOutcome.Success));

        var d = RunDecider.Decide(Chain, done, new TasksCleared { EventId = "clear-2", TaskIds = ["b"], IncludeDownstream = true }, T0);

        Assert.Equal(TaskInstanceState.Queued, d.Snapshot.Find(new("b"))!.State);
        Assert.Equal(TaskInstanceState.None, d.Snapshot.Find(new("c"))!.State);
        Assert.Equal(TaskInstanceState.Success, d.Snapshot.Find(new("a"))!.State);
    }

    [Fact]
    public void Clear_WithUpstream_ClearsEarlierTasks()
    {
        var done = Run(("a", AttemptOutcome.Success), ("b", AttemptOutcome.Success), ("c", AttemptOutcome.Success));

        var d = RunDecider.Decide(Chain, done, new TasksCleared { EventId = "clear-3", TaskIds = ["b"], IncludeUpstream = true }, T0);

        Assert.Equal((TaskInstanceState.Queued, 2), (d.Snapshot.Find(new("a"))!.State, d.Snapshot.Find(new("a"))!.TryNumber));
        Assert.Equal(TaskInstanceState.None, d.Snapshot.Find(new("b"))!.State);
        Assert.Equal(TaskInstanceState.Success, d.Snapshot.Find(new("c"))!.State);
    }

    [Fact]
    public void Clear_OnlyFailedWithDownstream_LeavesSuccessesAlone()
    {
        var failed = Run(("a", AttemptOutcome.Success), ("b", AttemptOutcome.Failed));
        var b = failed.Find(new("b"))!;
        failed = RunDecider.Decide(Chain, failed, new RetryDue { EventId = "rd", Task = b.Key, FailedTryNumber = b.TryNumber }, T0).Snapshot;
        failed = RunDecider.Decide(Chain, failed, new TaskFinished { EventId = "f2", Task = b.Key, TryNumber = 2, Outcome = AttemptOutcome.Failed, At = T0 }, T0).Snapshot;

        var d = RunDecider.Decide(Chain, failed, new TasksCleared { EventId = "clear-4", TaskIds = ["a"], IncludeDownstream = true, OnlyFailed = true }, T0);

        Assert.Equal(DagRunState.Failed, failed.Run.State);
        Assert.Equal(TaskInstanceState.UpstreamFailed, failed.Find(new("c"))!.State);
        Assert.Equal(TaskInstanceState.Success, d.Snapshot.Find(new("a"))!.State);
        Assert.Equal((TaskInstanceState.Queued, 3), (d.Snapshot.Find(new("b"))!.State, d.Snapshot.Find(new("b"))!.TryNumber));
        Assert.Equal(TaskInstanceState.None, d.Snapshot.Find(new("c"))!.State);
        Assert.Equal(DagRunState.Running, d.Snapshot.Run.State);
    }

    [Fact]
    public void Clear_DeliveredTwice_AppliedOnce()
    {
        var done = Run(("a", AttemptOutcome.Success), ("b", AttemptOutcome.Success), ("c", AttemptOutcome.Success));
        var clear = new TasksCleared { EventId = "clear-5", TaskIds = ["c"] };

        var once = RunDecider.Decide(Chain, done, clear, T0).Snapshot;
        once = RunDecider.Decide(Chain, once, new TaskFinished { EventId = "c2", Task = new("c"), TryNumber = 2, Outcome = AttemptOutcome.Success, At = T0 }, T0).Snapshot;
        var twice = RunDecider.Decide(Chain, once, clear, T0);

        Assert.Equal(DagRunState.Success, once.Run.State);
        Assert.False(twice.Changed);
        Assert.Equal((TaskInstanceState.Success, 2), (twice.Snapshot.Find(new("c"))!.State, twice.Snapshot.Find(new("c"))!.TryNumber));
        Assert.Contains("clear-5", once.AppliedEventIds);
    }

    [Fact]
    public void Clear_RunningTask_RestartsAfterCurrentAttemptEnds()
    {
        var s = Run(("a", AttemptOutcome.Success));
        s = RunDecider.Decide(Chain, s, new TaskStarted { EventId = "st", Task = new("b"), TryNumber = 1, WorkerId = "w", At = T0 }, T0).Snapshot;

        var cleared = RunDecider.Decide(Chain, s, new TasksCleared { EventId = "clear-6", TaskIds = ["b"] }, T0).Snapshot;
        var ended = RunDecider.Decide(Chain, cleared, new TaskFinished { EventId = "fb", Task = new("b"), TryNumber = 1, Outcome = AttemptOutcome.Success, At = T0 }, T0);

        Assert.Equal(TaskInstanceState.Restarting, cleared.Find(new("b"))!.State);
        Assert.Equal((TaskInstanceState.Queued, 2), (ended.Snapshot.Find(new("b"))!.State, ended.Snapshot.Find(new("b"))!.TryNumber));
        Assert.Equal(TaskInstanceState.None, ended.Snapshot.Find(new("c"))!.State);
    }
}
