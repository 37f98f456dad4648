using DurableTask.Core.History;
using Gale.Orchestration.Activities;
using Gale.Runs;
using Gale.Runs.Events;
using Microsoft.DurableTask.Converters;

namespace Gale.Orchestration.Runs;

/// <summary>
/// Task tries read back from a run instance's history: each completed <see cref="RunTaskAttempt"/> is a try (the
/// backends keep an activity's result but not always its input, so the try is read from the result), queued and
/// started when it was scheduled (or when its result says it started), ended in the state it reached (up_for_retry
/// when a later try of the same instance followed a failure). Clears and marks are not activities, so they are not
/// here; the current try's state comes from the run itself. A history that carries a run on from an earlier one
/// (<see cref="DagRunInput.Resume"/>) starts with the tries its input carries: <see cref="DagRunInput.Earlier"/>, and
/// each instance's try that ended before it began, read from the run it resumed.
/// </summary>
public static class OrchestrationHistory
{
    /// <summary>The state changes of every finished try in <paramref name="history"/>, oldest first.</summary>
    public static IReadOnlyList<TaskTransition> Transitions(IEnumerable<HistoryEvent> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var converter = JsonDataConverter.Default;
        var scheduled = new Dictionary<int, DateTimeOffset>();
        var changes = new List<TaskTransition>();
        DagRunInput? input = null;
        DateTimeOffset? episode = null;
        foreach (var e in history)
        {
            switch (e)
            {
                case ExecutionStartedEvent started when input is null:
                    input = converter.Deserialize<DagRunInput>(started.Input);
                    break;
                case OrchestratorStartedEvent started:
                    episode = Utc(started.Timestamp);
                    break;
                case TaskScheduledEvent { Name: nameof(RunTaskAttempt) } s:
                    // The episode's time is the orchestration's clock, which dated the try's start; the event's own
                    // timestamp is when the episode was saved, later.
                    scheduled[s.EventId] = episode ?? Utc(s.Timestamp);
                    break;
                case TaskCompletedEvent c when scheduled.Remove(c.TaskScheduledId, out var at) && converter.Deserialize<TaskFinished>(c.Result) is { } f:
                    changes.AddRange(Try(f, at));
                    break;
            }
        }

        // A failed try followed by another try of the same instance was up for retry. (The tries carried from an
        // earlier history are as that history or the run showed them.)
        var lastTry = changes.GroupBy(c => (c.TaskId, c.MapIndex)).ToDictionary(g => g.Key, g => g.Max(c => c.TryNumber));
        for (var i = 0; i < changes.Count; i++)
        {
            var c = changes[i];
            if (c.To == TaskInstanceState.Failed && lastTry[(c.TaskId, c.MapIndex)] > c.TryNumber)
            {
                changes[i] = c with { To = TaskInstanceState.UpForRetry };
            }
        }

        return input?.Resume is { } resumed ? [.. Carried(input.Earlier ?? [], resumed, changes), .. changes] : changes;
    }

    /// <summary>The state changes of one finished try that was queued at <paramref name="queuedAt"/>.</summary>
    public static IEnumerable<TaskTransition> Try(TaskFinished finished, DateTimeOffset queuedAt)
    {
        ArgumentNullException.ThrowIfNull(finished);
        var (task, map, tryNumber) = (finished.Task.TaskId, finished.Task.MapIndex, finished.TryNumber);
        yield return new TaskTransition(task, map, tryNumber, TaskInstanceState.Scheduled, TaskInstanceState.Queued, queuedAt, null);
        yield return new TaskTransition(task, map, tryNumber, TaskInstanceState.Queued, TaskInstanceState.Running, finished.StartedAt ?? queuedAt, finished.WorkerId);
        yield return new TaskTransition(task, map, tryNumber, TaskInstanceState.Running, StateOf(finished), finished.At, finished.WorkerId);
    }

    /// <summary>
    /// The tries a history carried on from <paramref name="resumed"/> starts with: <paramref name="earlier"/>, then each
    /// instance's try that ended before (its start and end as the run shows them) unless <paramref name="later"/> or
    /// <paramref name="earlier"/> already has it.
    /// </summary>
    public static IEnumerable<TaskTransition> Carried(IReadOnlyList<TaskTransition> earlier, RunSnapshotData resumed, IReadOnlyList<TaskTransition> later)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(resumed);
        ArgumentNullException.ThrowIfNull(later);
        var known = earlier.Concat(later).Select(t => (t.TaskId, t.MapIndex, t.TryNumber)).ToHashSet();
        return earlier.Concat(resumed.Tasks.Where(t => Ended(t) && !known.Contains((t.TaskId, t.MapIndex, t.TryNumber))).SelectMany(Ran));
    }

    /// <summary>
    /// The tries a history that goes on from <paramref name="input"/> no longer holds and <paramref name="now"/> does
    /// not show: those its input carried, and those that ended in it (<paramref name="finishedHere"/>, with when each
    /// was queued) or before it, of instances that have had a later try since.
    /// </summary>
    public static IReadOnlyList<TaskTransition> Superseded(DagRunInput input, IEnumerable<(TaskFinished Finished, DateTimeOffset QueuedAt)> finishedHere, RunSnapshot now)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(finishedHere);
        ArgumentNullException.ThrowIfNull(now);
        bool Replaced(TaskInstanceKey key, int tryNumber) => now.Find(key) is not { } ti || ti.TryNumber != tryNumber || !Ended(ti);
        var before = input.Resume?.Tasks.Where(t => Ended(t) && Replaced(t.Key, t.TryNumber)).SelectMany(Ran) ?? [];
        // A failed try of an instance that has had a later try since was up for retry, as in a history.
        var here = finishedHere.Where(f => Replaced(f.Finished.Task, f.Finished.TryNumber))
            .SelectMany(f => Try(f.Finished, f.QueuedAt))
            .Select(t => t.To == TaskInstanceState.Failed && now.Find(new TaskInstanceKey(t.TaskId, t.MapIndex))?.TryNumber > t.TryNumber ? t with { To = TaskInstanceState.UpForRetry } : t);
        var all = (input.Earlier ?? []).Concat(before).Concat(here).ToList();
        var distinct = new HashSet<(string, int, int, TaskInstanceState)>();
        return [.. all.Where(t => distinct.Add((t.TaskId, t.MapIndex, t.TryNumber, t.To)))];
    }

    // A try that ran and ended: its instance shows a start and a state a try ends in.
    private static bool Ended(TaskInstance ti) =>
        ti.StartDate is not null && ti.EndDate is not null && ti.State is not (TaskInstanceState.None or TaskInstanceState.Scheduled or TaskInstanceState.Queued or TaskInstanceState.Running or TaskInstanceState.Restarting);

    private static IEnumerable<TaskTransition> Ran(TaskInstance ti)
    {
        yield return new TaskTransition(ti.TaskId, ti.MapIndex, ti.TryNumber, TaskInstanceState.Scheduled, TaskInstanceState.Queued, ti.QueuedAt ?? ti.StartDate!.Value, null);
        yield return new TaskTransition(ti.TaskId, ti.MapIndex, ti.TryNumber, TaskInstanceState.Queued, TaskInstanceState.Running, ti.StartDate!.Value, ti.WorkerId);
        yield return new TaskTransition(ti.TaskId, ti.MapIndex, ti.TryNumber, TaskInstanceState.Running, ti.State, ti.EndDate!.Value, ti.WorkerId);
    }

    private static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));

    // What the try left the instance in, as the run decider puts it: a sensor in reschedule mode waits up for reschedule.
    private static TaskInstanceState StateOf(TaskFinished finished) => finished.Outcome switch
    {
        AttemptOutcome.Success => TaskInstanceState.Success,
        AttemptOutcome.Skipped => TaskInstanceState.Skipped,
        AttemptOutcome.Deferred => finished.Deferral is { Reschedule: true } ? TaskInstanceState.UpForReschedule : TaskInstanceState.Deferred,
        _ => TaskInstanceState.Failed,
    };
}
