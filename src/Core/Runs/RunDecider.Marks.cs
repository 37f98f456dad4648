using Gale.Runs.Commands;
using Gale.Runs.Events;

namespace Gale.Runs;

/// <summary>States set by people (mark success or failed) for a run or one task instance.</summary>
public static partial class RunDecider
{
    private sealed partial class DecisionState
    {
        // Applies a mark; true when it was one (marks also apply to finished runs).
        private bool ApplyMark(RunEvent e)
        {
            if (e is not (RunStateSet or TaskStateSet))
            {
                return false;
            }

            if (_applied.Contains(e.EventId))
            {
                return true;
            }

            _applied.Add(e.EventId);
            _changed = true;
            switch (e)
            {
                case RunStateSet run:
                    MarkRun(run.State);
                    break;
                case TaskStateSet task when _tasks.TryGetValue(task.Task, out var ti):
                    Set(ti with { State = task.State, EndDate = now, StartDate = ti.StartDate ?? now, WorkerId = null, Deferral = null, Message = $"marked {task.State.ToAirflowName()}" });
                    if (_run.State == DagRunState.Running)
                    {
                        MarkDownstream(ti.TaskId);
                    }

                    break;
            }

            return true;
        }

        private void MarkRun(DagRunState state)
        {
            var wasActive = !_run.State.IsFinished();
            foreach (var ti in _tasks.Values.ToList())
            {
                var next = state == DagRunState.Success
                    ? ti.State is TaskInstanceState.Success or TaskInstanceState.Skipped ? (TaskInstanceState?)null : TaskInstanceState.Success
                    : ti.State.IsFinished() ? null : ti.State == TaskInstanceState.Running ? TaskInstanceState.Failed : TaskInstanceState.Skipped;
                if (next is { } marked)
                {
                    Set(ti with { State = marked, EndDate = now, WorkerId = null, Deferral = null, Message = $"run marked {state.ToAirflowName()}" });
                }
            }

            _run = _run with { State = state, StartDate = _run.StartDate ?? now, EndDate = now };
            if (wasActive)
            {
                _commands.Add(new RunFinished(_run.Key, state, RunFinished.Marked));
            }
        }
    }
}
