using System.Collections.Concurrent;
using Gale.Runs;

namespace Gale.Assets;

/// <summary>An asset event waiting in a DAG's queue; <see cref="ClaimedBy"/> names the run being created from it.</summary>
/// <param name="Event">The event.</param>
/// <param name="ClaimedBy">The asset-triggered run that is taking it, or null.</param>
/// <param name="Version">Opaque concurrency token of the queue entry.</param>
public sealed record QueuedAssetEvent(AssetEvent Event, string? ClaimedBy, string? Version);

/// <summary>
/// Port: per-DAG queues of asset events (Airflow's asset_dag_run_queue) and the triggering events of asset-triggered
/// runs. An event enters a DAG's queue at most once, ever, so re-publishing it (a watcher that crashed before moving
/// its watermark) never triggers the DAG twice. Azure: the <c>assetqueue</c> and <c>runassetevents</c> tables.
/// </summary>
public interface IAssetQueue
{
    /// <summary>Queues <paramref name="events"/> for <paramref name="dagId"/>; events it has ever queued are left out.</summary>
    /// <returns>How many were new.</returns>
    Task<int> EnqueueAsync(string dagId, IReadOnlyList<AssetEvent> events, CancellationToken cancellationToken = default);

    /// <summary>The DAG's queued events, claimed or not.</summary>
    Task<IReadOnlyList<QueuedAssetEvent>> PendingAsync(string dagId, CancellationToken cancellationToken = default);

    /// <summary>Marks <paramref name="events"/> as taken by <paramref name="runId"/> (callers hold the DAG's scheduler lease).</summary>
    /// <returns>False when the claim could not be made (another writer changed the queue first).</returns>
    Task<bool> ClaimAsync(string dagId, string runId, IReadOnlyList<QueuedAssetEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Clears the claims of the runs named by <paramref name="events"/>' <see cref="QueuedAssetEvent.ClaimedBy"/> (their run was never created).</summary>
    Task ReleaseAsync(string dagId, IReadOnlyList<QueuedAssetEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="events"/> from the queue, then the claims that named them (their run exists).</summary>
    Task CompleteAsync(string dagId, IReadOnlyList<QueuedAssetEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Stores the triggering events of <paramref name="run"/> (idempotent).</summary>
    Task RecordTriggeringAsync(RunKey run, IReadOnlyList<AssetEvent> events, CancellationToken cancellationToken = default);

    /// <summary>The triggering events of <paramref name="run"/>, oldest first (none for other runs).</summary>
    Task<IReadOnlyList<AssetEvent>> TriggeringEventsAsync(RunKey run, CancellationToken cancellationToken = default);
}

/// <summary>Asset queues in memory, for tests and <c>gale dags test</c>.</summary>
public sealed class InMemoryAssetQueue : IAssetQueue
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<string>> _ever = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, QueuedAssetEvent>> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<RunKey, IReadOnlyList<AssetEvent>> _triggering = new();
    private long _version;

    /// <inheritdoc />
    public Task<int> EnqueueAsync(string dagId, IReadOnlyList<AssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_gate)
        {
            var ever = Get(_ever, dagId);
            var pending = Get(_pending, dagId);
            var added = 0;
            foreach (var e in events.Where(e => ever.Add(e.Id)))
            {
                pending[e.Id] = new QueuedAssetEvent(e, null, NextVersion());
                added++;
            }

            return Task.FromResult(added);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<QueuedAssetEvent>> PendingAsync(string dagId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<QueuedAssetEvent>>([.. Get(_pending, dagId).Values]);
        }
    }

    /// <inheritdoc />
    public Task<bool> ClaimAsync(string dagId, string runId, IReadOnlyList<QueuedAssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_gate)
        {
            var pending = Get(_pending, dagId);
            if (events.Any(q => !pending.TryGetValue(q.Event.Id, out var now) || now.Version != q.Version))
            {
                return Task.FromResult(false);
            }

            foreach (var q in events)
            {
                pending[q.Event.Id] = q with { ClaimedBy = runId, Version = NextVersion() };
            }

            return Task.FromResult(true);
        }
    }

    /// <inheritdoc />
    public Task ReleaseAsync(string dagId, IReadOnlyList<QueuedAssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_gate)
        {
            var pending = Get(_pending, dagId);
            foreach (var q in events.Where(q => pending.ContainsKey(q.Event.Id)))
            {
                pending[q.Event.Id] = pending[q.Event.Id] with { ClaimedBy = null, Version = NextVersion() };
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task CompleteAsync(string dagId, IReadOnlyList<QueuedAssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_gate)
        {
            var pending = Get(_pending, dagId);
            foreach (var q in events)
            {
                pending.Remove(q.Event.Id);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task RecordTriggeringAsync(RunKey run, IReadOnlyList<AssetEvent> events, CancellationToken cancellationToken = default)
    {
        _triggering[run] = [.. events.OrderBy(e => e.Timestamp).ThenBy(e => e.Id, StringComparer.Ordinal)];
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AssetEvent>> TriggeringEventsAsync(RunKey run, CancellationToken cancellationToken = default) =>
        Task.FromResult(_triggering.TryGetValue(run, out var events) ? events : []);

    private string NextVersion() => (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static TValue Get<TValue>(Dictionary<string, TValue> map, string key)
        where TValue : new()
    {
        if (!map.TryGetValue(key, out var value))
        {
            map[key] = value = new TValue();
        }

        return value;
    }
}
