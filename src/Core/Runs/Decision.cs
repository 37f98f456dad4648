using Gale.Runs.Commands;

namespace Gale.Runs;

/// <summary>The output of <see cref="RunDecider.Decide(Gale.Dags.Dag, RunSnapshot, IReadOnlyList{Events.RunEvent}, DateTimeOffset, RunSnapshot)"/>: the new snapshot and what to do once it is stored.</summary>
/// <param name="Snapshot">The run after the events.</param>
/// <param name="Commands">Commands to send after the snapshot is stored.</param>
/// <param name="Changed">False when the events changed nothing (duplicates, stale attempts): nothing needs writing.</param>
public sealed record Decision(RunSnapshot Snapshot, IReadOnlyList<RunCommand> Commands, bool Changed)
{
    /// <summary>The task instances the events changed.</summary>
    public IReadOnlySet<TaskInstanceKey> ChangedTasks { get; init; } = new HashSet<TaskInstanceKey>();
}
