namespace Gale.Runs;

/// <summary>One recorded change of a task instance's state (the run's history, for audit, Gantt charts and debugging).</summary>
/// <param name="TaskId">The task.</param>
/// <param name="MapIndex">The map index.</param>
/// <param name="TryNumber">The try after the change.</param>
/// <param name="From">The state before.</param>
/// <param name="To">The state after.</param>
/// <param name="At">When the change was decided.</param>
/// <param name="WorkerId">The worker involved, if any.</param>
public sealed record TaskTransition(string TaskId, int MapIndex, int TryNumber, TaskInstanceState From, TaskInstanceState To, DateTimeOffset At, string? WorkerId)
{
    /// <summary>The state changes between two snapshots of the same run, looking only at <paramref name="candidates"/> when given.</summary>
    public static IReadOnlyList<TaskTransition> Between(RunSnapshot before, RunSnapshot after, DateTimeOffset at, IEnumerable<TaskInstanceKey>? candidates = null)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<TaskTransition>();
        foreach (var key in (candidates ?? after.Tasks.Keys).Order())
        {
            var ti = after.Tasks[key];
            var old = before.Find(key);
            if (old is null || old.State != ti.State || old.TryNumber != ti.TryNumber)
            {
                changes.Add(new TaskTransition(key.TaskId, key.MapIndex, ti.TryNumber, old?.State ?? TaskInstanceState.None, ti.State, at, ti.WorkerId));
            }
        }

        return changes;
    }
}
