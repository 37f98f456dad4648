using System.Collections.Concurrent;

namespace Gale.Assets;

/// <summary>
/// Port: asset events. Adding is idempotent by event id (the same change emitted twice is stored once), which is what
/// makes watcher emission exactly-once. Azure: the <c>assetevents</c> table, one partition per asset.
/// </summary>
public interface IAssetEventStore
{
    /// <summary>Stores <paramref name="e"/> unless an event with its id exists; true when it was new.</summary>
    Task<bool> AddAsync(AssetEvent e, CancellationToken cancellationToken = default);

    /// <summary>Stores each of <paramref name="events"/> unless its id exists; returns the ones that were new.</summary>
    async Task<IReadOnlyList<AssetEvent>> AddManyAsync(IReadOnlyList<AssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var added = new List<AssetEvent>();
        foreach (var e in events)
        {
            if (await AddAsync(e, cancellationToken))
            {
                added.Add(e);
            }
        }

        return added;
    }

    /// <summary>Events of <paramref name="assetUri"/> at or after <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<AssetEvent>> ListAsync(string assetUri, DateTimeOffset since, CancellationToken cancellationToken = default);
}

/// <summary>Asset events in memory, for tests and <c>gale dags test</c>.</summary>
public sealed class InMemoryAssetEventStore : IAssetEventStore
{
    private readonly ConcurrentDictionary<(string Uri, string Id), AssetEvent> _events = new();

    /// <inheritdoc />
    public Task<bool> AddAsync(AssetEvent e, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Task.FromResult(_events.TryAdd((e.AssetUri, e.Id), e));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AssetEvent>> ListAsync(string assetUri, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<AssetEvent>>([.. _events.Values.Where(e => e.AssetUri == assetUri && e.Timestamp >= since).OrderBy(e => e.Timestamp).ThenBy(e => e.Id, StringComparer.Ordinal)]);
}
