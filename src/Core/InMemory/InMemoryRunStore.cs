using System.Runtime.CompilerServices;
using Gale.Engine;
using Gale.Runs;

namespace Gale.InMemory;

/// <summary>Run snapshots in memory with the same optimistic-concurrency contract as the table store (tests, <c>gale dags test</c>).</summary>
public sealed class InMemoryRunStore : IRunStore
{
    private readonly Dictionary<RunKey, RunSnapshot> _runs = [];
    private readonly Dictionary<RunKey, List<TaskTransition>> _history = [];
    private long _version;

    /// <summary>How many saves were rejected because the version had moved on.</summary>
    public int Conflicts { get; private set; }

    /// <inheritdoc />
    public Task<RunSnapshot?> LoadAsync(RunKey key, CancellationToken cancellationToken = default)
    {
        lock (_runs)
        {
            return Task.FromResult(_runs.GetValueOrDefault(key));
        }
    }

    /// <inheritdoc />
    public Task<RunSnapshot?> CreateAsync(RunSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_runs)
        {
            if (_runs.ContainsKey(snapshot.Key))
            {
                return Task.FromResult<RunSnapshot?>(null);
            }

            var stored = snapshot with { Version = NextVersion() };
            _runs[snapshot.Key] = stored;
            return Task.FromResult<RunSnapshot?>(stored);
        }
    }

    /// <inheritdoc />
    public Task<RunSnapshot> SaveAsync(RunSnapshot previous, RunSnapshot next, IReadOnlyList<TaskTransition> transitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(next);
        var snapshot = next;
        lock (_runs)
        {
            if (!_runs.TryGetValue(snapshot.Key, out var current) || current.Version != previous.Version)
            {
                Conflicts++;
                throw new RunConflictException(snapshot.Key);
            }

            var stored = snapshot with { Version = NextVersion() };
            _runs[snapshot.Key] = stored;
            if (!_history.TryGetValue(snapshot.Key, out var history))
            {
                _history[snapshot.Key] = history = [];
            }

            history.AddRange(transitions);
            return Task.FromResult(stored);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskTransition>> ReadHistoryAsync(RunKey key, CancellationToken cancellationToken = default)
    {
        lock (_runs)
        {
            return Task.FromResult<IReadOnlyList<TaskTransition>>(_history.TryGetValue(key, out var h) ? [.. h] : []);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<DagRun> ListRunsAsync(string? dagId = null, DagRunState? state = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<DagRun> runs;
        lock (_runs)
        {
            runs = _runs.Values.Select(s => s.Run)
                .Where(r => (dagId is null || r.DagId == dagId) && (state is null || r.State == state))
                .OrderBy(r => r.DagId, StringComparer.Ordinal).ThenBy(r => r.LogicalDate)
                .ToList();
        }

        foreach (var run in runs)
        {
            await Task.Yield();
            yield return run;
        }
    }

    private string NextVersion() => (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
