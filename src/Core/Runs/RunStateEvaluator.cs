using Gale.Dags;

namespace Gale.Runs;

/// <summary>Airflow's DagRun.update_state as a pure function: what state a run is in, given its task instances.</summary>
public static class RunStateEvaluator
{
    private static readonly HashSet<TaskInstanceState> Active =
    [
        TaskInstanceState.Scheduled, TaskInstanceState.Queued, TaskInstanceState.Running, TaskInstanceState.UpForRetry,
        TaskInstanceState.UpForReschedule, TaskInstanceState.Deferred, TaskInstanceState.Restarting,
    ];

    /// <summary>
    /// The run's state: failed when nothing is unfinished and a leaf failed or is upstream_failed; success when nothing
    /// is unfinished and every leaf succeeded or was skipped; failed on deadlock (unfinished instances but none can ever
    /// run); otherwise running. Teardowns are not leaves.
    /// </summary>
    /// <returns>The state and, for a final state, the reason.</returns>
    public static (DagRunState State, string? Reason) Evaluate(Dag dag, IEnumerable<TaskInstance> tasks)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(tasks);
        bool anyUnfinished = false, anyActive = false, dependsOnPast = false, leafFailed = false;
        var leafIds = dag.LeafTaskIds;
        foreach (var t in tasks)
        {
            if (!t.State.IsFinished())
            {
                anyUnfinished = true;
                anyActive |= Active.Contains(t.State);
                dependsOnPast |= dag.HasTask(t.TaskId) && dag.GetTask(t.TaskId).DependsOnPast;
            }
            else if (t.State is TaskInstanceState.Failed or TaskInstanceState.UpstreamFailed && leafIds.Contains(t.TaskId))
            {
                leafFailed = true;
            }
        }

        if (!anyUnfinished)
        {
            return leafFailed ? (DagRunState.Failed, "task_failure") : (DagRunState.Success, "success");
        }

        return !dependsOnPast && !anyActive ? (DagRunState.Failed, "all_tasks_deadlocked") : (DagRunState.Running, null);
    }

    /// <summary>Effective leaves: tasks whose downstream tasks are all teardowns (or none), that are not teardowns themselves.</summary>
    internal static HashSet<string> ComputeLeafTaskIds(Dag dag)
    {
        ArgumentNullException.ThrowIfNull(dag);
        var leaves = dag.TopologicalOrder
            .Where(t => !t.IsTeardown && dag.Downstream(t.TaskId).All(d => dag.GetTask(d).IsTeardown))
            .Select(t => t.TaskId)
            .ToHashSet(StringComparer.Ordinal);
        if (leaves.Count == 0)
        {
            leaves = dag.TopologicalOrder.Where(t => dag.Downstream(t.TaskId).Count == 0).Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal);
        }

        return leaves;
    }
}
