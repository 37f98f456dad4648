using System.Collections.Immutable;
using Gale.Host.Api;
using Gale.Runs;
using S = Gale.Runs.TaskInstanceState;

namespace Gale.Host.Tests.Ui;

/// <summary>Tries rebuilt from a run's history (what <c>…/taskInstances/{task_id}/tries</c> and the Gantt chart show).</summary>
public sealed class TaskTriesTests
{
    private static readonly DateTimeOffset T0 = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    private static TaskTransition Change(string task, int tryNumber, S from, S to, int at, int mapIndex = -1) =>
        new(task, mapIndex, tryNumber, from, to, At(at), to == S.Running ? "worker-1" : null);

    private static RunSnapshot Snapshot(params TaskInstance[] tis) => new()
    {
        Run = new DagRun { DagId = "d", RunId = "r" },
        Tasks = tis.ToImmutableSortedDictionary(t => t.Key, t => t),
    };

    [Fact]
    public void Retry_TwoTries_EachWithItsQueuedStartAndEnd()
    {
        var history = new[]
        {
            Change("t", 0, S.None, S.Scheduled, 0),
            Change("t", 1, S.Scheduled, S.Queued, 1),
            Change("t", 1, S.Queued, S.Running, 2),
            Change("t", 1, S.Running, S.UpForRetry, 5),
            Change("t", 1, S.UpForRetry, S.Scheduled, 8),
            Change("t", 2, S.Scheduled, S.Queued, 8),
            Change("t", 2, S.Queued, S.Running, 9),
            Change("t", 2, S.Running, S.Success, 12),
        };
        var tries = TaskTries.Of(Snapshot(new TaskInstance { TaskId = "t", State = S.Success, TryNumber = 2, MaxTries = 1, EndDate = At(12) }), history);

        Assert.Equal(
            [
                new TaskTry(new TaskInstanceKey("t"), 1, S.UpForRetry, At(1), At(2), At(5), "worker-1", 1),
                new TaskTry(new TaskInstanceKey("t"), 2, S.Success, At(8), At(9), At(12), "worker-1", 1),
            ],
            tries);
    }

    [Fact]
    public void MarkedAfterFailing_KeepsTheEndOfTheAttempt_TakesTheMarkedState()
    {
        var history = new[]
        {
            Change("t", 1, S.Scheduled, S.Queued, 1),
            Change("t", 1, S.Queued, S.Running, 2),
            Change("t", 1, S.Running, S.Failed, 4),
            Change("t", 1, S.Failed, S.Success, 30),
        };
        var tries = TaskTries.Of(Snapshot(new TaskInstance { TaskId = "t", State = S.Success, TryNumber = 1, EndDate = At(30) }), history);

        var only = Assert.Single(tries);
        Assert.Equal((S.Success, At(4)), (only.State, only.EndDate));
    }

    [Fact]
    public void ClearedWhileQueued_EndsWhenTheNextChangeCame_AndTheNewTryIsOpen()
    {
        var history = new[]
        {
            Change("t", 1, S.Scheduled, S.Queued, 1),
            Change("t", 1, S.Queued, S.Running, 2),
            Change("t", 1, S.Running, S.Deferred, 3),
            Change("t", 1, S.Deferred, S.None, 10), // cleared
            Change("t", 1, S.None, S.Scheduled, 10),
            Change("t", 2, S.Scheduled, S.Queued, 11),
            Change("t", 2, S.Queued, S.Running, 12),
        };
        var tries = TaskTries.Of(Snapshot(new TaskInstance { TaskId = "t", State = S.Running, TryNumber = 2 }), history);

        Assert.Equal(2, tries.Count);
        Assert.Equal((S.Deferred, (DateTimeOffset?)At(10)), (tries[0].State, tries[0].EndDate));
        Assert.Equal((S.Running, At(11), At(12), (DateTimeOffset?)null), (tries[1].State, tries[1].QueuedWhen, tries[1].StartDate, tries[1].EndDate));
    }

    [Fact]
    public void MappedInstancesAndOneTask_AreKeptApart_AndFiltered()
    {
        var history = new[]
        {
            Change("m", 1, S.Scheduled, S.Queued, 1, mapIndex: 0),
            Change("m", 1, S.Scheduled, S.Queued, 1, mapIndex: 1),
            Change("m", 1, S.Queued, S.Running, 2, mapIndex: 1),
            Change("m", 1, S.Running, S.Failed, 3, mapIndex: 1),
            Change("other", 1, S.Scheduled, S.Queued, 1),
        };
        var snapshot = Snapshot(
            new TaskInstance { TaskId = "m", MapIndex = 0, State = S.Queued, TryNumber = 1 },
            new TaskInstance { TaskId = "m", MapIndex = 1, State = S.Failed, TryNumber = 1 },
            new TaskInstance { TaskId = "other", State = S.Queued, TryNumber = 1 });

        Assert.Equal(3, TaskTries.Of(snapshot, history).Count);
        var one = Assert.Single(TaskTries.Of(snapshot, history, new TaskInstanceKey("m", 1)));
        Assert.Equal((S.Failed, (DateTimeOffset?)At(3)), (one.State, one.EndDate));
    }

    [Fact]
    public void NoHistory_TheCurrentTryComesFromTheSnapshot_NeverQueuedHasNoTries()
    {
        var snapshot = Snapshot(
            new TaskInstance { TaskId = "ran", State = S.Success, TryNumber = 1, QueuedAt = At(1), StartDate = At(2), EndDate = At(3), WorkerId = "w" },
            new TaskInstance { TaskId = "skipped", State = S.Skipped, TryNumber = 0 });

        var tries = TaskTries.Of(snapshot, []);

        Assert.Equal([new TaskTry(new TaskInstanceKey("ran"), 1, S.Success, At(1), At(2), At(3), "w", 0)], tries);
    }
}
