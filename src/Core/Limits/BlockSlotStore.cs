namespace Gale.Limits;

/// <summary>
/// Takes pool slots from the shared store in small blocks and lends them to this host's attempts without a storage
/// request each (what a Durable Functions partition does with its work items): a fan-out of many short tasks costs
/// a few block requests instead of a take, a renew and a release per attempt. Slots stay counted in the shared
/// store the whole time, so limits still hold across hosts; a block is at most a quarter of the pool (and at most
/// <see cref="MaxBlock"/>), slots left idle go back after <see cref="IdleRelease"/>, and the host renews the slots
/// it owns in one transaction per pool at most every half lease. When a block cannot be had, it asks for just the
/// slots the attempt needs, so priority waiting works as without blocks.
/// </summary>
/// <param name="inner">The shared store.</param>
/// <param name="clock">The clock leases are measured on.</param>
/// <param name="hostId">Who holds the blocks in the shared store (default: a new id per instance).</param>
public sealed class BlockSlotStore(ISlotStore inner, TimeProvider? clock = null, string? hostId = null) : ISlotStore, IAsyncDisposable
{
    /// <summary>Most slots taken in one block.</summary>
    public const int MaxBlock = 8;

    /// <summary>How long a lent-back slot stays with this host before it is given back to the shared store.</summary>
    public static readonly TimeSpan IdleRelease = TimeSpan.FromSeconds(1);

    private const string LocalVersion = "block";
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly string _host = hostId ?? "host-" + Guid.NewGuid().ToString("N");
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PoolSlots> _pools = new(StringComparer.Ordinal);

    /// <summary>Storage requests saved so far: attempts served from a block instead of the shared store.</summary>
    public long LocalTakes => Interlocked.Read(ref _localTakes);

    private long _localTakes;

    private sealed class PoolSlots(string name)
    {
        public readonly string Name = name;
        public readonly object Gate = new();

        // Held while talking to the shared store about owned slots (renewing or giving back), one conversation at a time.
        public readonly SemaphoreSlim Renewing = new(1, 1);
        public readonly Dictionary<int, string> Versions = [];
        public readonly Dictionary<int, DateTimeOffset> FreeSince = [];
        public readonly Dictionary<int, string> LentTo = [];
        public DateTimeOffset ExpiresAt = DateTimeOffset.MaxValue;
        public bool TrimScheduled;
    }

    /// <inheritdoc />
    public async Task<SlotLease?> TryAcquireAsync(string pool, int capacity, int count, string holder, int priority, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var slots = _pools.GetOrAdd(pool, p => new PoolSlots(p));
        await RenewIfDueAsync(slots, expiresAt, cancellationToken); // never lend a slot about to expire in the store
        if (TryLend(slots, count, holder) is { } local)
        {
            Interlocked.Increment(ref _localTakes);
            return local;
        }

        var block = Math.Clamp(capacity / 4, count, Math.Max(count, MaxBlock));
        var taken = await inner.TryAcquireAsync(pool, capacity, block, _host, priority, expiresAt, cancellationToken);
        if (taken is null && block > count)
        {
            taken = await inner.TryAcquireAsync(pool, capacity, count, _host, priority, expiresAt, cancellationToken);
        }

        if (taken is null)
        {
            return null;
        }

        lock (slots.Gate)
        {
            var now = _clock.GetUtcNow();
            foreach (var (index, version) in taken.Slots)
            {
                slots.Versions[index] = version;
                slots.FreeSince[index] = now;
            }

            slots.ExpiresAt = slots.Versions.Count == taken.Slots.Count ? expiresAt : Min(slots.ExpiresAt, expiresAt);
            var lease = LendLocked(slots, taken.Slots.Keys.Take(count).ToList(), holder);
            ScheduleTrimLocked(slots);
            return lease;
        }
    }

    /// <inheritdoc />
    public async Task<SlotLease?> RenewAsync(SlotLease lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (!_pools.TryGetValue(lease.Pool, out var slots))
        {
            return await inner.RenewAsync(lease, expiresAt, cancellationToken);
        }

        await RenewIfDueAsync(slots, expiresAt, cancellationToken);
        lock (slots.Gate)
        {
            return lease.Slots.Keys.All(i => slots.LentTo.TryGetValue(i, out var h) && h == lease.Holder) ? lease : null;
        }
    }

    /// <inheritdoc />
    public Task ReleaseAsync(SlotLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (!_pools.TryGetValue(lease.Pool, out var slots))
        {
            return inner.ReleaseAsync(lease, cancellationToken);
        }

        lock (slots.Gate)
        {
            var now = _clock.GetUtcNow();
            foreach (var index in lease.Slots.Keys)
            {
                if (slots.LentTo.TryGetValue(index, out var h) && h == lease.Holder)
                {
                    slots.LentTo.Remove(index);
                    slots.FreeSince[index] = now;
                }
            }

            ScheduleTrimLocked(slots);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<int> CountInUseAsync(string pool, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.CountInUseAsync(pool, now, cancellationToken);

    /// <summary>Gives every idle slot back to the shared store now (on shutdown).</summary>
    public async Task ReleaseIdleAsync(CancellationToken cancellationToken = default)
    {
        foreach (var slots in _pools.Values)
        {
            await TrimAsync(slots, TimeSpan.Zero, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await ReleaseIdleAsync(CancellationToken.None);

    // The host renews every slot it owns in the pool at once, and only when half of the lease has gone by.
    private async Task RenewIfDueAsync(PoolSlots slots, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        if (!NeedsRenewal(slots, expiresAt))
        {
            return;
        }

        await slots.Renewing.WaitAsync(cancellationToken);
        try
        {
            if (NeedsRenewal(slots, expiresAt))
            {
                await RenewOwnedAsync(slots, expiresAt, cancellationToken);
            }
        }
        finally
        {
            slots.Renewing.Release();
        }
    }

    private SlotLease? TryLend(PoolSlots slots, int count, string holder)
    {
        lock (slots.Gate)
        {
            if (slots.FreeSince.Count < count || slots.ExpiresAt <= _clock.GetUtcNow())
            {
                return null;
            }

            return LendLocked(slots, slots.FreeSince.Keys.Take(count).ToList(), holder);
        }
    }

    private static SlotLease LendLocked(PoolSlots slots, List<int> indexes, string holder)
    {
        foreach (var index in indexes)
        {
            slots.FreeSince.Remove(index);
            slots.LentTo[index] = holder;
        }

        return new SlotLease(slots.Name, holder, indexes.ToDictionary(i => i, _ => LocalVersion));
    }

    private bool NeedsRenewal(PoolSlots slots, DateTimeOffset expiresAt)
    {
        lock (slots.Gate)
        {
            var now = _clock.GetUtcNow();
            return slots.Versions.Count > 0 && slots.ExpiresAt - now < (expiresAt - now) / 2;
        }
    }

    private async Task RenewOwnedAsync(PoolSlots slots, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        SlotLease owned;
        lock (slots.Gate)
        {
            owned = new SlotLease(slots.Name, _host, new Dictionary<int, string>(slots.Versions));
        }

        // One transaction for the pool; if a slot was lost (it expired and another host took it), renew one by one.
        var renewed = await inner.RenewAsync(owned, expiresAt, cancellationToken);
        var results = renewed is not null
            ? [renewed]
            : await Task.WhenAll(owned.Slots.Select(s => inner.RenewAsync(owned with { Slots = new Dictionary<int, string> { [s.Key] = s.Value } }, expiresAt, cancellationToken)));
        lock (slots.Gate)
        {
            var kept = results.OfType<SlotLease>().SelectMany(r => r.Slots).ToDictionary(s => s.Key, s => s.Value);
            foreach (var index in owned.Slots.Keys)
            {
                if (kept.TryGetValue(index, out var version))
                {
                    slots.Versions[index] = version;
                }
                else
                {
                    slots.Versions.Remove(index);
                    slots.FreeSince.Remove(index);
                    slots.LentTo.Remove(index);
                }
            }

            slots.ExpiresAt = expiresAt;
        }
    }

    private void ScheduleTrimLocked(PoolSlots slots)
    {
        if (slots.TrimScheduled || slots.FreeSince.Count == 0)
        {
            return;
        }

        slots.TrimScheduled = true;
        _ = TrimAfterAsync(slots, Task.Delay(IdleRelease, _clock)); // the timer starts now, not when a thread picks it up
    }

    private async Task TrimAfterAsync(PoolSlots slots, Task delay)
    {
        await delay.ConfigureAwait(false);
        lock (slots.Gate)
        {
            slots.TrimScheduled = false;
        }

        await TrimAsync(slots, IdleRelease, CancellationToken.None);
        lock (slots.Gate)
        {
            ScheduleTrimLocked(slots);
        }
    }

    // Under the same lock as renewals, so a renewal never sees a slot being given back (nor a release an old version).
    private async Task TrimAsync(PoolSlots slots, TimeSpan idleFor, CancellationToken cancellationToken)
    {
        await slots.Renewing.WaitAsync(cancellationToken);
        try
        {
            SlotLease idle;
            lock (slots.Gate)
            {
                var now = _clock.GetUtcNow();
                var indexes = slots.FreeSince.Where(f => now - f.Value >= idleFor).Select(f => f.Key).ToList();
                if (indexes.Count == 0)
                {
                    return;
                }

                idle = new SlotLease(slots.Name, _host, indexes.ToDictionary(i => i, i => slots.Versions[i]));
                foreach (var index in indexes)
                {
                    slots.FreeSince.Remove(index);
                    slots.Versions.Remove(index);
                }
            }

            await inner.ReleaseAsync(idle, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not given back: the slots expire with their lease and count as used until then.
            _ = e;
        }
        finally
        {
            slots.Renewing.Release();
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
