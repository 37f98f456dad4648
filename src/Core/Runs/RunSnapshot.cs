using System.Collections.Immutable;

namespace Gale.Runs;

/// <summary>
/// Everything the engine knows about one run at one version: the run, its task instances, and the ids of
/// applied events that are not naturally idempotent. Immutable: <c>Decide</c> returns a new snapshot.
/// </summary>
public sealed record RunSnapshot
{
    /// <summary>How many applied event ids a snapshot remembers.</summary>
    public const int AppliedEventMemory = 500;

    /// <summary>The run.</summary>
    public required DagRun Run { get; init; }

    /// <summary>Task instances by key.</summary>
    public ImmutableSortedDictionary<TaskInstanceKey, TaskInstance> Tasks { get; init; } = ImmutableSortedDictionary<TaskInstanceKey, TaskInstance>.Empty;

    /// <summary>Ids of recently applied events that re-applying would change (clears, external events, state patches).</summary>
    public ImmutableList<string> AppliedEventIds { get; init; } = [];

    /// <summary>External events that arrived while no task waited for them (oldest first).</summary>
    public ImmutableList<PendingEvent> PendingEvents { get; init; } = [];

    /// <summary>The store's concurrency token (ETag) this snapshot was read with; null before it is stored.</summary>
    public string? Version { get; init; }

    /// <summary>The run's key.</summary>
    public RunKey Key => Run.Key;

    /// <summary>A task instance, or null.</summary>
    public TaskInstance? Find(TaskInstanceKey key) => Tasks.GetValueOrDefault(key);
}
