using System.Collections.Immutable;
using Gale.Dags;

namespace Gale.Runs;

/// <summary>Creates the first snapshot of a run: the run queued and one task instance per task, in state none.</summary>
public static class RunSnapshotFactory
{
    /// <summary>A new snapshot for <paramref name="run"/> of <paramref name="dag"/>.</summary>
    public static RunSnapshot Create(Dag dag, DagRun run)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(run);
        var tasks = ImmutableSortedDictionary.CreateBuilder<TaskInstanceKey, TaskInstance>();
        foreach (var task in dag.TopologicalOrder)
        {
            var ti = new TaskInstance { TaskId = task.TaskId, MaxTries = task.MaxTries };
            tasks[ti.Key] = ti;
        }

        return new RunSnapshot { Run = run with { State = DagRunState.Queued }, Tasks = tasks.ToImmutable() };
    }
}
