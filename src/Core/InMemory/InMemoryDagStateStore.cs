using System.Collections.Concurrent;
using Gale.Scheduling;

namespace Gale.InMemory;

/// <summary>DAG states in memory with version checks, for tests.</summary>
public sealed class InMemoryDagStateStore : IDagStateStore
{
    private readonly ConcurrentDictionary<string, DagState> _states = new(StringComparer.Ordinal);
    private long _version;

    /// <inheritdoc />
    public Task<DagState?> GetAsync(string dagId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_states.TryGetValue(dagId, out var s) ? s : null);

    /// <inheritdoc />
    public Task<DagState> GetOrCreateAsync(DagState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Task.FromResult(_states.GetOrAdd(state.DagId, _ => state with { Version = NextVersion() }));
    }

    /// <inheritdoc />
    public Task<DagState?> TryReplaceAsync(DagState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var current = _states.GetValueOrDefault(state.DagId);
        if (current is null || current.Version != state.Version)
        {
            return Task.FromResult<DagState?>(null);
        }

        var stored = state with { Version = NextVersion() };
        return Task.FromResult(_states.TryUpdate(state.DagId, stored, current) ? stored : null);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<DagState>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DagState>>([.. _states.Values.OrderBy(s => s.DagId, StringComparer.Ordinal)]);

    private string NextVersion() => Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
