using Gale.Dags;
using Gale.Engine;
using Gale.InMemory;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Runs.Commands;
using Gale.Runs.Events;
using Gale.Triggers;

namespace Gale.Core.Tests.Runs;

public sealed class DagrunTimeoutTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Dag Chain = Dag.Create("timed")
        .With(s => s with { DagrunTimeout = TimeSpan.FromMinutes(10) })
        .Task("a", _ => { })
        .Task("b", _ => { }, after: "a")
        .Task("c", _ => { }, after: "b")
        .Build();

    [Fact]
    public void Decide_TimeoutDue_FailsRunAndSkipsUnfinishedTasksOnlyOnceTimeIsUp()
    {
        var started = RunDecider.Decide(Chain, RunSnapshotFactory.Create(Chain, new DagRun { DagId = "timed", RunId = "r", LogicalDate = T0 }), new RunStarted { EventId = "s", At = T0 }, T0);
        Assert.Contains(new ScheduleRunTimeout(started.Snapshot.Key, T0.AddMinutes(10)), started.Commands);
        var a = started.Snapshot.Find(new("a"))!;
        var afterA = RunDecider.Decide(Chain, started.Snapshot, new TaskFinished { EventId = "fa", Task = a.Key, TryNumber = a.TryNumber, Outcome = AttemptOutcome.Success, At = T0.AddMinutes(1) }, T0.AddMinutes(1)).Snapshot;

        var early = RunDecider.Decide(Chain, afterA, new RunTimeoutDue { EventId = "timeout:timed/r", At = T0.AddMinutes(10) }, T0.AddMinutes(9));
        var due = RunDecider.Decide(Chain, afterA, new RunTimeoutDue { EventId = "timeout:timed/r", At = T0.AddMinutes(10) }, T0.AddMinutes(10));

        Assert.False(early.Changed);
        Assert.Equal(DagRunState.Failed, due.Snapshot.Run.State);
        Assert.Equal(new RunFinished(due.Snapshot.Key, DagRunState.Failed, "timed_out"), Assert.Single(due.Commands.OfType<RunFinished>()));
        Assert.Equal(TaskInstanceState.Success, due.Snapshot.Find(new("a"))!.State);
        Assert.All(new[] { "b", "c" }, id => Assert.Equal(TaskInstanceState.Skipped, due.Snapshot.Find(new(id))!.State));
        Assert.Contains("dagrun_timeout", due.Snapshot.Find(new("b"))!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Orchestrator_RunLongerThanItsTimeout_FailsThroughTheDurableTimer()
    {
        // The task waits an hour (deferred, no worker held); the run may take ten minutes.
        var dag = Dag.Create("slow_run")
            .With(s => s with { DagrunTimeout = TimeSpan.FromMinutes(10) })
            .Task("wait", ctx =>
            {
                if (ctx.NextMethod is null)
                {
                    ctx.Defer(new TimeDeltaTrigger { Delta = TimeSpan.FromHours(1) }, "done");
                }
            })
            .Task("after", _ => { }, after: "wait")
            .Build();
        var clock = new SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(new DagBag([dag]), new TaskServices(), clock);
        var run = new DagRun { DagId = "slow_run", RunId = "manual__slow", QueuedAt = clock.GetUtcNow(), LogicalDate = clock.GetUtcNow() };
        await hub.Runs.CreateRunAsync(dag, run);

        Assert.True(await hub.RunUntilIdleAsync());

        var snapshot = (await hub.Runs.LoadAsync(run.Key))!;
        Assert.Equal(DagRunState.Failed, snapshot.Run.State);
        Assert.Equal(TaskInstanceState.Skipped, snapshot.Find(new("wait"))!.State);
        Assert.Equal(TaskInstanceState.Skipped, snapshot.Find(new("after"))!.State);
        Assert.Contains("dagrun_timeout", snapshot.Find(new("wait"))!.Message, StringComparison.Ordinal);
        // The run's timer ended it at ten minutes, not the task's trigger at an hour.
        Assert.InRange(clock.Skipped, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(30));
    }
}
