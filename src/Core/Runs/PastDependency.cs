using Gale.Dags;

namespace Gale.Runs;

/// <summary>Airflow's depends_on_past and wait_for_downstream rules, over the previous run's task instances.</summary>
public static class PastDependency
{
    /// <summary>
    /// True when instance <paramref name="mapIndex"/> of <paramref name="task"/> may run: there is no previous run,
    /// or its instance of the task is absent, succeeded or was skipped; with wait_for_downstream, the previous run's
    /// instances of the task's direct downstream tasks must have succeeded or been skipped too.
    /// </summary>
    public static bool IsMet(Dag dag, DagTask task, int mapIndex, RunSnapshot? previous)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(task);
        if (!task.DependsOnPast || previous is null)
        {
            return true;
        }

        var own = previous.Tasks.Values.Where(t => t.TaskId == task.TaskId && (t.MapIndex == mapIndex || mapIndex < 0)).ToList();
        if (own.Any(t => !Done(t.State)))
        {
            return false;
        }

        return !task.WaitForDownstream || dag.Downstream(task.TaskId)
            .SelectMany(d => previous.Tasks.Values.Where(t => t.TaskId == d))
            .All(t => Done(t.State));
    }

    /// <summary>The run just before <paramref name="run"/> among <paramref name="runs"/> (its DAG's runs, any type) by logical date, or null.</summary>
    public static async Task<DagRun?> PreviousAsync(IAsyncEnumerable<DagRun> runs, DagRun run)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(run);
        DagRun? best = null;
        await foreach (var other in runs)
        {
            if (other.LogicalDate < run.LogicalDate && (best is null || other.LogicalDate > best.LogicalDate))
            {
                best = other;
            }
        }

        return best;
    }

    /// <summary>True when the DAG has a task that depends on the past (so deciding needs the previous run).</summary>
    public static bool Applies(Dag dag) => dag?.TopologicalOrder.Any(t => t.DependsOnPast) ?? false;

    private static bool Done(TaskInstanceState state) => state is TaskInstanceState.Success or TaskInstanceState.Skipped;
}
