namespace Gale.Scheduling;

/// <summary>Port: per-DAG scheduler state with optimistic concurrency. Azure: the <c>dags</c> table.</summary>
public interface IDagStateStore
{
    /// <summary>The state, or null when the DAG has none yet.</summary>
    Task<DagState?> GetAsync(string dagId, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="state"/> if the DAG has none; returns the stored state either way.</summary>
    Task<DagState> GetOrCreateAsync(DagState state, CancellationToken cancellationToken = default);

    /// <summary>Replaces the state if it still has <paramref name="state"/>'s <see cref="DagState.Version"/>.</summary>
    /// <returns>The stored state with its new version, or null when another writer changed it first.</returns>
    Task<DagState?> TryReplaceAsync(DagState state, CancellationToken cancellationToken = default);

    /// <summary>Every stored state.</summary>
    Task<IReadOnlyList<DagState>> ListAsync(CancellationToken cancellationToken = default);
}
