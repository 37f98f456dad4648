using System.Collections.Immutable;
using Gale.Dags;
using Gale.Runs.Commands;
using Gale.Runs.Events;

namespace Gale.Runs;

/// <summary>
/// The engine's one decision function: <c>Decide(dag, snapshot, events, now) → (snapshot', commands)</c>.
/// Pure: no I/O, no clock but <c>now</c>. Applying the same events again changes nothing.
/// </summary>
public static partial class RunDecider
{
    /// <summary>Applies one event.</summary>
    public static Decision Decide(Dag dag, RunSnapshot snapshot, RunEvent runEvent, DateTimeOffset now) =>
        Decide(dag, snapshot, [runEvent], now);

    /// <summary>Applies events in order, then schedules what became ready and re-evaluates the run's state.</summary>
    /// <param name="dag">The run's DAG.</param>
    /// <param name="snapshot">The run as stored.</param>
    /// <param name="events">What happened.</param>
    /// <param name="now">The decision's instant.</param>
    /// <param name="previous">The previous run by logical date, for depends_on_past (null: none, or not needed).</param>
    public static Decision Decide(Dag dag, RunSnapshot snapshot, IReadOnlyList<RunEvent> events, DateTimeOffset now, RunSnapshot? previous = null)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(events);
        var state = new DecisionState(dag, snapshot, now, previous);
        foreach (var e in events)
        {
            state.Apply(e);
        }

        return state.Finish();
    }

    private sealed partial class DecisionState(Dag dag, RunSnapshot snapshot, DateTimeOffset now, RunSnapshot? previous)
    {
        private readonly ImmutableSortedDictionary<TaskInstanceKey, TaskInstance>.Builder _tasks = snapshot.Tasks.ToBuilder();
        private readonly List<RunCommand> _commands = [];
        private readonly SortedSet<int> _candidates = [];
        private readonly HashSet<TaskInstanceKey> _changedKeys = [];
        private readonly List<string> _applied = [.. snapshot.AppliedEventIds];
        private DagRun _run = snapshot.Run;
        private bool _changed;

        public void Apply(RunEvent e)
        {
            if (ApplyMark(e))
            {
                return;
            }

            if (e is TasksCleared clear)
            {
                Clear(clear);
                return;
            }

            if (_run.State.IsFinished())
            {
                return; // A late result for a finished run changes nothing.
            }

            switch (e)
            {
                case RunStarted when _run.State == DagRunState.Queued:
                    _run = _run with { State = DagRunState.Running, StartDate = e.At == default ? now : e.At };
                    _changed = true;
                    if (dag.Settings.DagrunTimeout is { } timeout)
                    {
                        _commands.Add(new ScheduleRunTimeout(_run.Key, _run.StartDate!.Value + timeout));
                    }

                    foreach (var task in dag.TopologicalOrder)
                    {
                        _candidates.Add(dag.OrderOf(task.TaskId));
                    }

                    break;
                case TaskStarted s when Current(s.Task, s.TryNumber) is { State: TaskInstanceState.Queued or TaskInstanceState.Scheduled } ti:
                    Set(ti with { State = TaskInstanceState.Running, StartDate = s.At, HeartbeatAt = s.At, WorkerId = s.WorkerId });
                    break;
                case TaskHeartbeat h when Current(h.Task, h.TryNumber) is { State: TaskInstanceState.Running or TaskInstanceState.Restarting } ti:
                    Set(ti with { HeartbeatAt = h.At });
                    break;
                case TaskFinished f when Current(f.Task, f.TryNumber) is { State: TaskInstanceState.Queued or TaskInstanceState.Scheduled or TaskInstanceState.Running } ti:
                    Finish(ti, f);
                    break;
                case TaskFinished f when Current(f.Task, f.TryNumber) is { State: TaskInstanceState.Restarting } ti:
                    // Cleared while running: this attempt's result no longer counts; the task runs again.
                    Set(ti with { State = TaskInstanceState.None, EndDate = f.At, Message = "cleared while running" });
                    _candidates.Add(dag.OrderOf(ti.TaskId));
                    break;
                case TaskReleased r when Current(r.Task, r.TryNumber) is { State: TaskInstanceState.Running } ti && ti.WorkerId == r.WorkerId:
                    Set(ti with { State = TaskInstanceState.Queued, StartDate = null, HeartbeatAt = null, WorkerId = null });
                    break;
                case RunTimeoutDue when _run.State == DagRunState.Running && dag.Settings.DagrunTimeout is { } limit && _run.StartDate + limit <= now:
                    TimeOut(limit);
                    break;
                case RetryDue r when Current(r.Task, r.FailedTryNumber) is { State: TaskInstanceState.UpForRetry } ti:
                    Enqueue(ti);
                    break;
                case TriggerFired t when Current(t.Task, t.TryNumber) is { State: TaskInstanceState.Deferred or TaskInstanceState.UpForReschedule, Deferral: { Event: null } d } ti && d.Checks == t.Check:
                    Resume(ti, t.Data);
                    break;
                case TriggerChecked c when Current(c.Task, c.TryNumber) is { State: TaskInstanceState.Deferred or TaskInstanceState.UpForReschedule, Deferral: { Event: null } d } ti && d.Checks == c.Check:
                    Checked(ti, c);
                    break;
                case TriggerTimeoutDue t when Current(t.Task, t.TryNumber) is { State: TaskInstanceState.Deferred or TaskInstanceState.UpForReschedule, Deferral: { Event: null, TimeoutAt: { } at } } ti && at <= now:
                    TimeOutDeferral(ti);
                    break;
                case ExternalEventRaised raised:
                    Raise(raised);
                    break;
            }
        }

        // Airflow: a run past its dagrun_timeout fails and its unfinished task instances are skipped.
        private void TimeOut(TimeSpan timeout)
        {
            foreach (var ti in _tasks.Values.Where(t => !t.State.IsFinished()).ToList())
            {
                Set(ti with { State = TaskInstanceState.Skipped, EndDate = now, Message = $"dagrun_timeout of {timeout} exceeded", WorkerId = null });
            }

            _run = _run with { State = DagRunState.Failed, EndDate = now };
            _commands.Add(new RunFinished(_run.Key, DagRunState.Failed, "timed_out"));
            _changed = true;
        }

        private void Clear(TasksCleared clear)
        {
            if (_applied.Contains(clear.EventId))
            {
                return;
            }

            _applied.Add(clear.EventId);
            var selected = new HashSet<string>(clear.TaskIds.Where(dag.HasTask), StringComparer.Ordinal);
            var roots = selected.ToList();
            foreach (var root in roots)
            {
                if (clear.IncludeDownstream)
                {
                    selected.UnionWith(dag.AllDownstream(root));
                }

                if (clear.IncludeUpstream)
                {
                    selected.UnionWith(dag.AllUpstream(root));
                }
            }

            var cleared = 0;
            var data = new List<TaskInstanceKey>();
            foreach (var taskId in selected)
            {
                foreach (var ti in InstancesOf(taskId).ToList())
                {
                    if (clear.OnlyFailed && ti.State is not (TaskInstanceState.Failed or TaskInstanceState.UpstreamFailed))
                    {
                        continue;
                    }

                    var maxTries = ti.TryNumber + dag.GetTask(taskId).Retries;
                    if (ti.State is TaskInstanceState.Running or TaskInstanceState.Restarting)
                    {
                        // Its attempt is still running: it runs again once that attempt reports.
                        Set(ti with { State = TaskInstanceState.Restarting, MaxTries = maxTries });
                    }
                    else
                    {
                        Set(ti with { State = TaskInstanceState.None, MaxTries = maxTries, StartDate = null, EndDate = null, NextRetryAt = null, WorkerId = null, HeartbeatAt = null, Message = null, Deferral = null });
                        _candidates.Add(dag.OrderOf(taskId));
                        data.Add(ti.Key);
                    }

                    cleared++;
                }
            }

            if (data.Count > 0)
            {
                _commands.Add(new ClearTaskData(_run.Key, data));
            }

            if (cleared > 0 && _run.State != DagRunState.Running)
            {
                _run = _run with { State = DagRunState.Running, EndDate = null, StartDate = _run.StartDate ?? now };
            }

            _changed = true; // at least the applied id is recorded
        }

        public Decision Finish()
        {
            if (_run.State == DagRunState.Running)
            {
                Schedule();
                ResumeFinishedWaits();
                var (runState, reason) = RunStateEvaluator.Evaluate(dag, _tasks.Values);
                if (runState.IsFinished())
                {
                    _run = _run with { State = runState, EndDate = now };
                    _commands.Add(new RunFinished(_run.Key, runState, reason!));
                    _changed = true;
                }
            }

            if (!_changed)
            {
                return new Decision(snapshot, [], false);
            }

            var applied = _applied.Count == snapshot.AppliedEventIds.Count
                ? snapshot.AppliedEventIds
                : ImmutableList.CreateRange(_applied.Skip(Math.Max(0, _applied.Count - RunSnapshot.AppliedEventMemory)));
            return new Decision(snapshot with { Run = _run, Tasks = _tasks.ToImmutable(), AppliedEventIds = applied, PendingEvents = _pending.ToImmutable() }, _commands, true) { ChangedTasks = _changedKeys };
        }

        private TaskInstance? Current(TaskInstanceKey key, int tryNumber) =>
            _tasks.TryGetValue(key, out var ti) && ti.TryNumber == tryNumber ? ti : null;

        private void Finish(TaskInstance ti, TaskFinished f)
        {
            // The worker's start (after its slots were free) over the moment the try was handed to workers.
            var started = f.StartedAt ?? ti.StartDate ?? f.At;
            var worker = ti.WorkerId ?? f.WorkerId;
            switch (f.Outcome)
            {
                case AttemptOutcome.Success:
                    Set(ti with { State = TaskInstanceState.Success, StartDate = started, EndDate = f.At, WorkerId = worker, Message = null, ResultLength = f.ResultLength, Deferral = null });
                    SkipNotFollowed(ti.TaskId, f);
                    break;
                case AttemptOutcome.Skipped:
                    Set(ti with { State = TaskInstanceState.Skipped, StartDate = started, EndDate = f.At, WorkerId = worker, Message = f.Message, Deferral = null });
                    break;
                case AttemptOutcome.Failed when !f.NoRetry && RetryPolicy.CanRetry(ti.TryNumber, ti.MaxTries):
                    var due = f.At + RetryPolicy.Delay(dag.GetTask(ti.TaskId), dag.DagId, _run.LogicalDate, ti.TryNumber);
                    Set(ti with { State = TaskInstanceState.UpForRetry, StartDate = started, EndDate = f.At, WorkerId = worker, NextRetryAt = due, Message = f.Message, Deferral = null });
                    _commands.Add(new ScheduleRetry(_run.Key, ti.Key, ti.TryNumber, due));
                    return; // Nothing downstream changes while a retry is pending.
                case AttemptOutcome.Failed:
                    Set(ti with { State = TaskInstanceState.Failed, StartDate = started, EndDate = f.At, WorkerId = worker, Message = f.Message, Deferral = null });
                    break;
                case AttemptOutcome.Deferred when f.Deferral is { } deferral:
                    Defer(ti with { StartDate = started, WorkerId = worker }, deferral);
                    return; // Nothing downstream changes while it waits.
            }

            MarkDownstream(ti.TaskId);
        }

        // Airflow's SkipMixin: a branch skips the direct downstream tasks it did not choose; a short-circuit skips
        // everything downstream except teardowns. The skips then spread through trigger rules as usual.
        private void SkipNotFollowed(string taskId, TaskFinished f)
        {
            IEnumerable<string> targets = [];
            if (f.FollowTaskIds is { } follow)
            {
                targets = dag.Downstream(taskId).Where(d => !follow.Contains(d, StringComparer.Ordinal));
            }
            else if (f.SkipAllDownstream)
            {
                targets = dag.AllDownstream(taskId).Where(d => !dag.GetTask(d).IsTeardown);
            }

            foreach (var target in targets)
            {
                foreach (var down in InstancesOf(target).Where(t => t.State == TaskInstanceState.None))
                {
                    Set(down with { State = TaskInstanceState.Skipped, EndDate = now, Message = $"skipped by {taskId}" });
                    MarkDownstream(target);
                }
            }
        }

        private void Schedule()
        {
            if (previous is not null)
            {
                // Tasks waiting on the previous run are looked at again whenever the run is decided.
                foreach (var waiting in _tasks.Values.Where(t => t.State == TaskInstanceState.None && dag.HasTask(t.TaskId) && dag.GetTask(t.TaskId).DependsOnPast))
                {
                    _candidates.Add(dag.OrderOf(waiting.TaskId));
                }
            }

            while (_candidates.Count > 0)
            {
                var index = _candidates.Min;
                _candidates.Remove(index);
                var task = dag.TopologicalOrder[index];
                foreach (var ti in InstancesOf(task.TaskId).Where(t => t.State == TaskInstanceState.None))
                {
                    var decision = IndirectSetupDecision(task.TaskId);
                    if (decision.Met)
                    {
                        var counts = UpstreamCounts.Of(task.Upstream
                            .SelectMany(up => InstancesOf(up).Select(u => (u.State, dag.GetTask(up).IsSetup))));
                        decision = TriggerRuleEvaluator.Evaluate(task.TriggerRule, counts, ti.MapIndex >= 0);
                    }

                    if (decision.Met && task.Mapping is { } mapping && ti.MapIndex < 0)
                    {
                        Expand(task, ti, mapping);
                        continue;
                    }

                    if (decision.Flag is { } flag)
                    {
                        Set(ti with { State = flag, EndDate = now, Message = $"trigger rule {task.TriggerRule.ToAirflowName()}: upstream {flag.ToAirflowName()}" });
                        MarkDownstream(task.TaskId);
                    }
                    else if (decision.Met && PastDependency.IsMet(dag, task, ti.MapIndex, previous))
                    {
                        Enqueue(ti);
                    }
                }
            }
        }

        // Dynamic mapping: the unexpanded instance becomes one instance per element; none makes it skipped, and a
        // source that is not a list fails it with the reason.
        private void Expand(DagTask task, TaskInstance unexpanded, MapSpec mapping)
        {
            var lengths = new List<int>();
            foreach (var source in mapping.Sources)
            {
                if (source.Values is { } values)
                {
                    lengths.Add(values.Count);
                    continue;
                }

                var upstream = InstancesOf(source.FromTaskId!).FirstOrDefault();
                if (upstream?.ResultLength is not { } length)
                {
                    Set(unexpanded with { State = TaskInstanceState.Failed, EndDate = now, Message = $"cannot expand over '{source.Argument}': the XCom '{source.XComKey}' of '{source.FromTaskId}' is not a list" });
                    MarkDownstream(task.TaskId);
                    return;
                }

                lengths.Add(length);
            }

            var count = mapping.Kwargs ? lengths[0] : MapSpec.Count(lengths);
            if (count == 0)
            {
                Set(unexpanded with { State = TaskInstanceState.Skipped, EndDate = now, Message = "mapped over an empty list" });
                MarkDownstream(task.TaskId);
                return;
            }

            _tasks.Remove(unexpanded.Key);
            _changedKeys.Remove(unexpanded.Key);
            _changed = true;
            for (var i = 0; i < count; i++)
            {
                Enqueue(unexpanded with { MapIndex = i });
            }
        }

        // Airflow's indirect-setup constraint: a work task between a setup and its teardown runs only if that setup
        // succeeded, whatever its own trigger rule says.
        private TriggerDecision IndirectSetupDecision(string taskId)
        {
            var setups = dag.IndirectSetups(taskId);
            if (setups.Count == 0)
            {
                return TriggerDecision.Run;
            }

            var states = setups.SelectMany(InstancesOf).Select(t => t.State).ToList();
            if (states.Any(s => s is TaskInstanceState.Failed or TaskInstanceState.UpstreamFailed))
            {
                return new TriggerDecision(TaskInstanceState.UpstreamFailed, false);
            }

            if (states.Any(s => s == TaskInstanceState.Skipped))
            {
                return new TriggerDecision(TaskInstanceState.Skipped, false);
            }

            return states.All(s => s == TaskInstanceState.Success) ? TriggerDecision.Run : TriggerDecision.Wait;
        }

        private void Enqueue(TaskInstance ti)
        {
            var next = ti with
            {
                State = TaskInstanceState.Queued,
                TryNumber = ti.TryNumber + 1,
                QueuedAt = now,
                StartDate = null,
                EndDate = null,
                HeartbeatAt = null,
                NextRetryAt = null,
                WorkerId = null,
                Deferral = null,
            };
            Set(next);
            _commands.Add(new EnqueueAttempt(_run.Key, next.Key, next.TryNumber));
        }

        // An unmapped task has one instance (map index -1); a mapped one has -1 until expanded, then 0..n-1.
        private IEnumerable<TaskInstance> InstancesOf(string taskId)
        {
            if (dag.HasTask(taskId) && dag.GetTask(taskId).Mapping is null)
            {
                return _tasks.TryGetValue(new TaskInstanceKey(taskId), out var ti) ? [ti] : [];
            }

            return _tasks.Where(p => p.Key.TaskId == taskId).Select(p => p.Value).ToList();
        }

        private void MarkDownstream(string taskId)
        {
            foreach (var down in dag.Downstream(taskId))
            {
                _candidates.Add(dag.OrderOf(down));
            }
        }

        private void Set(TaskInstance ti)
        {
            _tasks[ti.Key] = ti;
            _changedKeys.Add(ti.Key);
            _changed = true;
        }
    }
}
