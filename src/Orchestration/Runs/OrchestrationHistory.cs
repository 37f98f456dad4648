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
/// here; the current try's state comes from the run itself.
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
        DateTimeOffset? episode = null;
        foreach (var e in history)
        {
            switch (e)
            {
                case OrchestratorStartedEvent started:
                    episode = Utc(started.Timestamp);
                    break;
                case TaskScheduledEvent { Name: nameof(RunTaskAttempt) } s:
                    // The episode's time is the orchestration's clock, which dated the try's start; the event's own
                    // timestamp is when the episode was saved, later.
                    scheduled[s.EventId] = episode ?? Utc(s.Timestamp);
                    break;
                case TaskCompletedEvent c when scheduled.Remove(c.TaskScheduledId, out var at) && converter.Deserialize<TaskFinished>(c.Result) is { } f:
                    var (task, map, tryNumber) = (f.Task.TaskId, f.Task.MapIndex, f.TryNumber);
                    changes.Add(new TaskTransition(task, map, tryNumber, TaskInstanceState.Scheduled, TaskInstanceState.Queued, at, null));
                    changes.Add(new TaskTransition(task, map, tryNumber, TaskInstanceState.Queued, TaskInstanceState.Running, f.StartedAt ?? at, f.WorkerId));
                    changes.Add(new TaskTransition(task, map, tryNumber, TaskInstanceState.Running, StateOf(f), f.At, f.WorkerId));
                    break;
            }
        }

        // A failed try followed by another try of the same instance was up for retry.
        for (var i = 0; i < changes.Count; i++)
        {
            var c = changes[i];
            if (c.To == TaskInstanceState.Failed && changes.Skip(i + 1).Any(n => n.TaskId == c.TaskId && n.MapIndex == c.MapIndex && n.TryNumber > c.TryNumber))
            {
                changes[i] = c with { To = TaskInstanceState.UpForRetry };
            }
        }

        return changes;
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
