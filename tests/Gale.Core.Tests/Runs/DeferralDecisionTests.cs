using Gale.Dags;
using Gale.Runs;
using Gale.Runs.Commands;
using Gale.Runs.Events;

namespace Gale.Core.Tests.Runs;

public sealed class DeferralDecisionTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Dag Chain = Dag.Create("chain").Task("wait", _ => { }).Task("after", _ => { }, after: "wait").Build();
    private static readonly TaskInstanceKey Wait = new("wait");

    private static RunSnapshot Started() =>
        RunDecider.Decide(Chain, RunSnapshotFactory.Create(Chain, new DagRun { DagId = "chain", RunId = "r", LogicalDate = T0 }), new RunStarted { EventId = "s", At = T0 }, T0).Snapshot;

    private static Decision Deferred(RunSnapshot s, Deferral deferral) =>
        RunDecider.Decide(Chain, s, new TaskFinished { EventId = "f", Task = Wait, TryNumber = 1, Outcome = AttemptOutcome.Deferred, Deferral = deferral, At = T0.AddSeconds(1) }, T0.AddSeconds(1));

    private static Deferral Timer(DateTimeOffset at, DateTimeOffset? timeout = null, DeferralTimeoutOutcome onTimeout = DeferralTimeoutOutcome.Fail) =>
        new() { Trigger = """{"kind":"datetime","args":{"moment":"x"}}""", NextCheckAt = at, TimeoutAt = timeout, OnTimeout = onTimeout };

    private static Deferral Event(string name) => new() { Trigger = """{"kind":"external_event"}""", EventName = name };

    [Fact]
    public void Finished_Deferred_WaitsWithTimersAndTheRunKeepsRunning()
    {
        var d = Deferred(Started(), Timer(T0.AddSeconds(10), T0.AddMinutes(5)));

        var ti = d.Snapshot.Find(Wait)!;
        Assert.Equal(TaskInstanceState.Deferred, ti.State);
        Assert.Equal(1, ti.TryNumber);
        Assert.Null(ti.WorkerId);
        Assert.Equal(DagRunState.Running, d.Snapshot.Run.State);
        Assert.Equal(TaskInstanceState.None, d.Snapshot.Find(new("after"))!.State);
        Assert.Contains(new ScheduleTriggerCheck(d.Snapshot.Key, Wait, 1, 0, T0.AddSeconds(10)), d.Commands);
        Assert.Contains(new ScheduleTriggerTimeout(d.Snapshot.Key, Wait, 1, T0.AddMinutes(5)), d.Commands);
    }

    [Fact]
    public void TriggerFired_Deferred_QueuedAgainInTheSameTryWithTheEventOnce()
    {
        var deferred = Deferred(Started(), Timer(T0.AddSeconds(10))).Snapshot;
        var fired = new TriggerFired { EventId = "x", Task = Wait, TryNumber = 1, Data = "42", At = T0.AddSeconds(10) };

        var d = RunDecider.Decide(Chain, deferred, fired, T0.AddSeconds(10));
        var again = RunDecider.Decide(Chain, d.Snapshot, fired with { EventId = "y" }, T0.AddSeconds(11));

        var ti = d.Snapshot.Find(Wait)!;
        Assert.Equal((TaskInstanceState.Queued, 1, "42"), (ti.State, ti.TryNumber, ti.Deferral!.Event));
        Assert.Equal(new EnqueueAttempt(d.Snapshot.Key, Wait, 1), Assert.Single(d.Commands));
        Assert.False(again.Changed);
    }

    [Fact]
    public void TriggerChecked_CurrentCheck_SchedulesTheNextAndIgnoresAStaleOne()
    {
        var deferred = Deferred(Started(), Timer(T0.AddSeconds(10))).Snapshot;
        var check = new TriggerChecked { EventId = "c0", Task = Wait, TryNumber = 1, Check = 0, NextCheckAt = T0.AddSeconds(70), At = T0.AddSeconds(10) };

        var d = RunDecider.Decide(Chain, deferred, check, T0.AddSeconds(10));
        var duplicate = RunDecider.Decide(Chain, d.Snapshot, check with { EventId = "c0-again" }, T0.AddSeconds(11));

        Assert.Equal((1, T0.AddSeconds(70)), (d.Snapshot.Find(Wait)!.Deferral!.Checks, d.Snapshot.Find(Wait)!.Deferral!.NextCheckAt));
        Assert.Equal(new ScheduleTriggerCheck(d.Snapshot.Key, Wait, 1, 1, T0.AddSeconds(70)), Assert.Single(d.Commands));
        Assert.False(duplicate.Changed);
    }

    [Theory]
    [InlineData(DeferralTimeoutOutcome.Fail, TaskInstanceState.Failed, TaskInstanceState.UpstreamFailed)]
    [InlineData(DeferralTimeoutOutcome.FailWithoutRetry, TaskInstanceState.Failed, TaskInstanceState.UpstreamFailed)]
    [InlineData(DeferralTimeoutOutcome.Skip, TaskInstanceState.Skipped, TaskInstanceState.Skipped)]
    public void TriggerTimeoutDue_StillWaiting_EndsAsTheDeferralSays(DeferralTimeoutOutcome outcome, TaskInstanceState expected, TaskInstanceState downstream)
    {
        var deferred = Deferred(Started(), Timer(T0.AddDays(1), T0.AddMinutes(5), outcome)).Snapshot;
        var timeout = new TriggerTimeoutDue { EventId = "t", Task = Wait, TryNumber = 1, At = T0.AddMinutes(5) };

        var early = RunDecider.Decide(Chain, deferred, timeout, T0.AddMinutes(4));
        var d = RunDecider.Decide(Chain, deferred, timeout, T0.AddMinutes(5));

        Assert.False(early.Changed);
        Assert.Equal(expected, d.Snapshot.Find(Wait)!.State);
        Assert.Contains("trigger timed out", d.Snapshot.Find(Wait)!.Message, StringComparison.Ordinal);
        Assert.Equal(downstream, d.Snapshot.Find(new("after"))!.State);
        Assert.True(d.Snapshot.Run.State.IsFinished());
    }

    [Fact]
    public void TriggerChecked_Error_FailsTheTry()
    {
        var deferred = Deferred(Started(), Timer(T0.AddSeconds(10))).Snapshot;

        var d = RunDecider.Decide(Chain, deferred, new TriggerChecked { EventId = "c", Task = Wait, TryNumber = 1, Check = 0, Error = "boom", At = T0.AddSeconds(10) }, T0.AddSeconds(10));

        Assert.Equal(TaskInstanceState.Failed, d.Snapshot.Find(Wait)!.State);
        Assert.Equal("trigger failed: boom", d.Snapshot.Find(Wait)!.Message);
    }

    [Fact]
    public void ExternalEvent_BeforeTheWait_KeptAndDeliveredToTheFirstWaiter()
    {
        var raised = new ExternalEventRaised { EventId = "ev1", Name = "Approve", Data = """{"by":"ana"}""", At = T0 };
        var kept = RunDecider.Decide(Chain, Started(), raised, T0);
        var redelivered = RunDecider.Decide(Chain, kept.Snapshot, raised, T0);

        var d = Deferred(kept.Snapshot, Event("approve"));

        Assert.Equal([new PendingEvent("approve", """{"by":"ana"}""", T0)], kept.Snapshot.PendingEvents);
        Assert.False(redelivered.Changed);
        Assert.Empty(d.Snapshot.PendingEvents);
        Assert.Equal((TaskInstanceState.Queued, """{"by":"ana"}"""), (d.Snapshot.Find(Wait)!.State, d.Snapshot.Find(Wait)!.Deferral!.Event));
        Assert.Equal(new EnqueueAttempt(d.Snapshot.Key, Wait, 1), Assert.Single(d.Commands));
    }

    [Fact]
    public void ExternalEvent_WhileWaiting_ResumesOnlyWaitersOfThatName()
    {
        var deferred = Deferred(Started(), Event("approve")).Snapshot;

        var other = RunDecider.Decide(Chain, deferred, new ExternalEventRaised { EventId = "e1", Name = "reject" }, T0);
        var d = RunDecider.Decide(Chain, other.Snapshot, new ExternalEventRaised { EventId = "e2", Name = "APPROVE", Data = "true" }, T0);

        Assert.Equal(TaskInstanceState.Deferred, other.Snapshot.Find(Wait)!.State);
        Assert.Single(other.Snapshot.PendingEvents);
        Assert.Equal(TaskInstanceState.Queued, d.Snapshot.Find(Wait)!.State);
        Assert.Equal("true", d.Snapshot.Find(Wait)!.Deferral!.Event);
    }

    [Fact]
    public void Clear_DeferredInstance_DropsTheWaitAndLateTimersChangeNothing()
    {
        var deferred = Deferred(Started(), Timer(T0.AddSeconds(10))).Snapshot;

        var cleared = RunDecider.Decide(Chain, deferred, new TasksCleared { EventId = "clr", TaskIds = ["wait"] }, T0.AddSeconds(2));
        var late = RunDecider.Decide(Chain, cleared.Snapshot, new TriggerFired { EventId = "x", Task = Wait, TryNumber = 1, At = T0.AddSeconds(10) }, T0.AddSeconds(10));

        var ti = cleared.Snapshot.Find(Wait)!;
        Assert.Equal((TaskInstanceState.Queued, 2), (ti.State, ti.TryNumber));
        Assert.Null(ti.Deferral);
        Assert.False(late.Changed);
    }

    [Fact]
    public void TriggerFired_FromAStaleCheck_ChangesNothing()
    {
        var deferred = Deferred(Started(), Timer(T0.AddSeconds(10))).Snapshot;
        var checkedOnce = RunDecider.Decide(Chain, deferred, new TriggerChecked { EventId = "c0", Task = Wait, TryNumber = 1, Check = 0, NextCheckAt = T0.AddSeconds(70), At = T0.AddSeconds(10) }, T0.AddSeconds(10)).Snapshot;

        var stale = RunDecider.Decide(Chain, checkedOnce, new TriggerFired { EventId = "f0", Task = Wait, TryNumber = 1, Check = 0, At = T0.AddSeconds(11) }, T0.AddSeconds(11));
        var current = RunDecider.Decide(Chain, checkedOnce, new TriggerFired { EventId = "f1", Task = Wait, TryNumber = 1, Check = 1, At = T0.AddSeconds(70) }, T0.AddSeconds(70));

        Assert.False(stale.Changed);
        Assert.Equal(TaskInstanceState.Queued, current.Snapshot.Find(Wait)!.State);
    }

    [Fact]
    public void ExternalEvent_KeptEventsOverTheByteBound_OldestDropped()
    {
        var s = Started();
        var big = new string('x', 4000);
        for (var i = 0; i < 5; i++)
        {
            s = RunDecider.Decide(Chain, s, new ExternalEventRaised { EventId = $"e{i}", Name = $"n{i}", Data = $"\"{big}\"" }, T0).Snapshot;
        }

        Assert.Equal(["n2", "n3", "n4"], s.PendingEvents.Select(p => p.Name));
    }
}
