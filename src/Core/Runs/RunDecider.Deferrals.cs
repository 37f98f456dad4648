using System.Collections.Immutable;
using Gale.Runs.Commands;
using Gale.Runs.Events;

namespace Gale.Runs;

/// <summary>Deferred tasks: waiting on a trigger, resuming in the same try, timing out, and external events.</summary>
public static partial class RunDecider
{
    /// <summary>Most external events a run keeps while no task waits for them; the oldest are dropped beyond it.</summary>
    public const int PendingEventMemory = 6;

    /// <summary>Largest external event payload, in UTF-8 bytes (kept events live in the run's header entity).</summary>
    public const int MaxEventBytes = 4096;

    /// <summary>Most bytes of kept events' data a run holds; the oldest are dropped beyond it (the header column is 64 KiB).</summary>
    public const int PendingEventBytes = 12 * 1024;

    private sealed partial class DecisionState
    {
        private readonly ImmutableList<PendingEvent>.Builder _pending = snapshot.PendingEvents.ToBuilder();
        private bool _waitersChanged;

        // Tasks waiting on other tasks of the run (the cleanup task) resume once every instance of those has finished.
        private void ResumeFinishedWaits()
        {
            if (!_waitersChanged && _changedKeys.Count == 0)
            {
                return;
            }

            foreach (var ti in _tasks.Values.Where(t => t.State == TaskInstanceState.Deferred && t.Deferral is { Event: null, WaitForTasks: { } }).ToList())
            {
                var waitFor = ti.Deferral!.WaitForTasks!;
                if (waitFor.All(id => InstancesOf(id).All(t => t.State.IsFinished())))
                {
                    Resume(ti, "{}");
                }
            }
        }

        // The worker is free and the slots are given back; the instance waits in the run, durable.
        private void Defer(TaskInstance ti, Deferral deferral)
        {
            var state = deferral.Reschedule ? TaskInstanceState.UpForReschedule : TaskInstanceState.Deferred;
            var waiting = ti with { State = state, Deferral = deferral, HeartbeatAt = null, WorkerId = null, EndDate = null, Message = null };
            if (deferral.EventName is { } name && _pending.FindIndex(p => p.Name == name) is var index and >= 0)
            {
                var kept = _pending[index];
                _pending.RemoveAt(index);
                Resume(waiting, kept.Data);
                return;
            }

            Set(waiting);
            _waitersChanged = true;
            if (deferral.NextCheckAt is { } check)
            {
                _commands.Add(new ScheduleTriggerCheck(_run.Key, ti.Key, ti.TryNumber, deferral.Checks, check));
            }

            if (deferral.TimeoutAt is { } timeout)
            {
                _commands.Add(new ScheduleTriggerTimeout(_run.Key, ti.Key, ti.TryNumber, timeout));
            }
        }

        private void Resume(TaskInstance ti, string data)
        {
            Set(ti with { State = TaskInstanceState.Queued, QueuedAt = now, StartDate = null, EndDate = null, Deferral = ti.Deferral! with { Event = data } });
            _commands.Add(new EnqueueAttempt(_run.Key, ti.Key, ti.TryNumber));
        }

        private void Checked(TaskInstance ti, TriggerChecked c)
        {
            if (c.Error is { } error)
            {
                EndDeferral(ti, DeferralTimeoutOutcome.Fail, $"trigger failed: {error}");
                return;
            }

            var deferral = ti.Deferral! with { Checks = c.Check + 1, NextCheckAt = c.NextCheckAt };
            Set(ti with { Deferral = deferral });
            if (c.NextCheckAt is { } next)
            {
                _commands.Add(new ScheduleTriggerCheck(_run.Key, ti.Key, ti.TryNumber, deferral.Checks, next));
            }
        }

        private void TimeOutDeferral(TaskInstance ti) =>
            EndDeferral(ti, ti.Deferral!.OnTimeout, $"trigger timed out at {ti.Deferral.TimeoutAt:O}");

        private void EndDeferral(TaskInstance ti, DeferralTimeoutOutcome outcome, string message)
        {
            var waited = ti with { Deferral = null, EndDate = now, WorkerId = null };
            switch (outcome)
            {
                case DeferralTimeoutOutcome.Skip:
                    Set(waited with { State = TaskInstanceState.Skipped, Message = message + " (soft_fail)" });
                    break;
                case DeferralTimeoutOutcome.Fail when RetryPolicy.CanRetry(ti.TryNumber, ti.MaxTries):
                    var due = now + RetryPolicy.Delay(dag.GetTask(ti.TaskId), dag.DagId, _run.LogicalDate, ti.TryNumber);
                    Set(waited with { State = TaskInstanceState.UpForRetry, NextRetryAt = due, Message = message });
                    _commands.Add(new ScheduleRetry(_run.Key, ti.Key, ti.TryNumber, due));
                    return;
                default:
                    Set(waited with { State = TaskInstanceState.Failed, Message = message });
                    break;
            }

            MarkDownstream(ti.TaskId);
        }

        private void Raise(ExternalEventRaised raised)
        {
            if (_applied.Contains(raised.EventId))
            {
                return;
            }

            _applied.Add(raised.EventId);
            _changed = true;
            var name = raised.Name.ToLowerInvariant();
            var waiting = _tasks.Values.Where(t => t.State == TaskInstanceState.Deferred && t.Deferral is { Event: null } d && d.EventName == name).ToList();
            if (waiting.Count == 0)
            {
                _pending.Add(new PendingEvent(name, raised.Data, raised.At == default ? now : raised.At));
                while (_pending.Count > PendingEventMemory || _pending.Sum(p => System.Text.Encoding.UTF8.GetByteCount(p.Data) + p.Name.Length) > PendingEventBytes)
                {
                    _pending.RemoveAt(0);
                }

                return;
            }

            foreach (var ti in waiting)
            {
                Resume(ti, raised.Data);
            }
        }
    }
}
