using System.Collections.Concurrent;

namespace Gale.Limits;

/// <summary>
/// Remembers pool definitions for <see cref="Freshness"/>, so an attempt does not read its pool from storage
/// before every try. Changes made through this store apply at once; changes made elsewhere (another host, the
/// CLI) within <see cref="Freshness"/>. A pool that does not exist is never remembered (except the implicit
/// default_pool), so a task whose pool was just created finds it.
/// </summary>
public sealed class CachedPoolStore(IPoolStore inner, TimeProvider? clock = null) : IPoolStore
{
    /// <summary>How long a definition read from storage is used.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, (Pool? Pool, DateTimeOffset ReadAt)> _cache = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public async Task<Pool?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var now = _clock.GetUtcNow();
        if (_cache.TryGetValue(name, out var known) && now - known.ReadAt < Freshness)
        {
            return known.Pool;
        }

        var pool = await inner.GetAsync(name, cancellationToken);
        if (pool is not null || name == Pool.DefaultName)
        {
            _cache[name] = (pool, now);
        }

        return pool;
    }

    /// <inheritdoc />
    public async Task SetAsync(Pool pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        await inner.SetAsync(pool, cancellationToken);
        _cache.TryRemove(pool.Name, out _);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        var deleted = await inner.DeleteAsync(name, cancellationToken);
        _cache.TryRemove(name, out _);
        return deleted;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Pool>> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);
}
