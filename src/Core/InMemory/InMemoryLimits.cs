using System.Collections.Concurrent;
using Gale.Limits;

namespace Gale.InMemory;

/// <summary>Slots in memory (one lock), for tests and <c>gale dags test</c>.</summary>
public sealed class InMemorySlotStore(TimeProvider? clock = null) : ISlotStore
{
    private readonly Dictionary<(string Pool, int Index), (string Holder, DateTimeOffset ExpiresAt, long Version)> _slots = [];
    private readonly Dictionary<(string Pool, string Holder), (SlotWaiting Waiting, DateTimeOffset ExpiresAt)> _waiting = [];
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private long _version;

    /// <inheritdoc />
    public Task<SlotLease?> TryAcquireAsync(string pool, int capacity, int count, string holder, int priority, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        lock (_slots)
        {
            var now = _clock.GetUtcNow();
            var live = _slots.Where(s => s.Key.Pool == pool && s.Value.ExpiresAt > now).Select(s => s.Key.Index).ToHashSet();
            var free = Enumerable.Range(0, capacity).Where(i => !live.Contains(i)).Take(count).ToList();
            var me = new SlotWaiting(holder, priority, now, count);
            var waiting = _waiting.Where(w => w.Key.Pool == pool && w.Value.ExpiresAt > now && w.Value.Waiting.Priority > priority).Select(w => w.Value.Waiting);
            if (capacity - live.Count < count || free.Count < count || !SlotWaiting.MayTake(me, waiting, capacity - live.Count))
            {
                _waiting[(pool, holder)] = (me, now + SlotWaiting.Timeout);
                return Task.FromResult<SlotLease?>(null);
            }

            _waiting.Remove((pool, holder));

            var taken = new Dictionary<int, string>();
            foreach (var index in free)
            {
                var version = ++_version;
                _slots[(pool, index)] = (holder, expiresAt, version);
                taken[index] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return Task.FromResult<SlotLease?>(new SlotLease(pool, holder, taken));
        }
    }

    /// <inheritdoc />
    public Task<SlotLease?> RenewAsync(SlotLease lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_slots)
        {
            var renewed = new Dictionary<int, string>();
            foreach (var (index, _) in lease.Slots)
            {
                if (!_slots.TryGetValue((lease.Pool, index), out var slot) || slot.Holder != lease.Holder)
                {
                    return Task.FromResult<SlotLease?>(null);
                }

                var version = ++_version;
                _slots[(lease.Pool, index)] = (lease.Holder, expiresAt, version);
                renewed[index] = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return Task.FromResult<SlotLease?>(lease with { Slots = renewed });
        }
    }

    /// <inheritdoc />
    public Task ReleaseAsync(SlotLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_slots)
        {
            foreach (var (index, _) in lease.Slots)
            {
                if (_slots.TryGetValue((lease.Pool, index), out var slot) && slot.Holder == lease.Holder)
                {
                    _slots.Remove((lease.Pool, index));
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<int> CountInUseAsync(string pool, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_slots)
        {
            return Task.FromResult(_slots.Count(s => s.Key.Pool == pool && s.Value.ExpiresAt > now));
        }
    }
}

/// <summary>Pool definitions in memory.</summary>
public sealed class InMemoryPoolStore : IPoolStore
{
    private readonly ConcurrentDictionary<string, Pool> _pools = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<Pool?> GetAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(_pools.TryGetValue(name, out var p) ? p : null);

    /// <inheritdoc />
    public Task SetAsync(Pool pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _pools[pool.Name] = pool;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(_pools.TryRemove(name, out _));

    /// <inheritdoc />
    public Task<IReadOnlyList<Pool>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Pool>>([.. _pools.Values.OrderBy(p => p.Name, StringComparer.Ordinal)]);
}
