using Gale.Dags;
using Gale.Runs;
using Gale.Runs.Commands;
using Gale.Runs.Events;

namespace Gale.Core.Tests.Runs;

public sealed class RearmTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Dag Dag = Dag.Create("rearm")
        .With(s => s with { DagrunTimeout = TimeSpan.FromHours(2) })
        .Task("queued", _ => { })
        .Task("retrying", _ => { }, options: new TaskOptions { Retries = 2 })
        .Task("waiting", _ => { })
        .Task("sensing", _ => { })
        .Task("running", _ => { })
        .Task("done", _ => { })
        .Build();

    private static RunSnapshot Running()
    {
        var snapshot = RunSnapshotFactory.Create(Dag, new DagRun { DagId = Dag.DagId, RunId = "manual__1", LogicalDate = T0, QueuedAt = T0 });
        snapshot = RunDecider.Decide(Dag, snapshot, new RunStarted { EventId = "start", At = T0 }, T0).Snapshot;
        var tasks = snapshot.Tasks.ToBuilder();
        void Set(string id, Func<TaskInstance, TaskInstance> change) => tasks[new TaskInstanceKey(id)] = change(tasks[new TaskInstanceKey(id)]);
        Set("queued", t => t with { State = TaskInstanceState.Queued, TryNumber = 1 });
        Set("retrying", t => t with { State = TaskInstanceState.UpForRetry, TryNumber = 1, NextRetryAt = T0.AddMinutes(5) });
        Set("waiting", t => t with { State = TaskInstanceState.Deferred, TryNumber = 1, Deferral = new Deferral { Trigger = "{}", TimeoutAt = T0.AddDays(1) } });
        Set("sensing", t => t with { State = TaskInstanceState.UpForReschedule, TryNumber = 3, Deferral = new Deferral { Trigger = "{}", Checks = 2, NextCheckAt = T0.AddMinutes(1), TimeoutAt = T0.AddHours(1) } });
        Set("running", t => t with { State = TaskInstanceState.Running, TryNumber = 1 });
        Set("done", t => t with { State = TaskInstanceState.Success, TryNumber = 1 });
        return snapshot with { Tasks = tasks.ToImmutable() };
    }

    [Fact]
    public void Rearm_RunningRun_EveryWaitAndQueuedStartIsIssuedAgain()
    {
        var run = Running();
        var key = run.Run.Key;

        var commands = RunDecider.Rearm(Dag, run);

        Assert.Equal(
            new HashSet<RunCommand>
            {
                new ScheduleRunTimeout(key, T0.AddHours(2)),
                new EnqueueAttempt(key, new TaskInstanceKey("queued"), 1),
                new ScheduleRetry(key, new TaskInstanceKey("retrying"), 1, T0.AddMinutes(5)),
                new ScheduleTriggerTimeout(key, new TaskInstanceKey("waiting"), 1, T0.AddDays(1)),
                new ScheduleTriggerCheck(key, new TaskInstanceKey("sensing"), 3, 2, T0.AddMinutes(1)),
                new ScheduleTriggerTimeout(key, new TaskInstanceKey("sensing"), 3, T0.AddHours(1)),
            },
            commands.ToHashSet());
    }

    [Fact]
    public void Rearm_DeferralWhoseEventArrived_NothingToWaitFor()
    {
        var run = Running();
        var waiting = run.Find(new TaskInstanceKey("waiting"))!;
        run = run with { Tasks = run.Tasks.SetItem(waiting.Key, waiting with { Deferral = waiting.Deferral! with { Event = "{}" } }) };

        var commands = RunDecider.Rearm(Dag, run);

        Assert.DoesNotContain(commands, c => c is ScheduleTriggerTimeout t && t.Task.TaskId == "waiting");
    }

    [Fact]
    public void Rearm_FinishedRun_Nothing()
    {
        var run = Running();
        run = run with { Run = run.Run with { State = DagRunState.Failed } };

        Assert.Empty(RunDecider.Rearm(Dag, run));
    }

    [Fact]
    public void Rearm_QueuedRunNotStarted_NoRunTimeout()
    {
        var queued = RunSnapshotFactory.Create(Dag, new DagRun { DagId = Dag.DagId, RunId = "manual__2", LogicalDate = T0, QueuedAt = T0 });

        Assert.Empty(RunDecider.Rearm(Dag, queued));
    }
}
