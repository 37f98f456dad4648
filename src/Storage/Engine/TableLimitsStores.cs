using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Gale.Limits;
using Gale.Storage.Tables;

namespace Gale.Storage.Engine;

/// <summary>
/// Pool slots in the <c>pools</c> table: one partition per pool (<c>slots|&lt;pool&gt;</c>), one entity per slot
/// index in use. Taking slots inserts (free index) or replaces with If-Match (expired index) in one entity-group
/// transaction, so the slots a host gets are exactly the ones no other host holds.
/// </summary>
public sealed class TableSlotStore(TableClient table, TimeProvider? clock = null) : ISlotStore
{
    private const int Attempts = 8;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _waitingHere = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <inheritdoc />
    public async Task<SlotLease?> TryAcquireAsync(string pool, int capacity, int count, string holder, int priority, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (count > Math.Min(capacity, 100))
        {
            return null; // can never fit (a transaction holds at most 100 actions)
        }

        if (count <= capacity / 4 && !RecentlyContended(pool))
        {
            // Fast path while the pool is far from full: claim random indexes with a bare insert, one request and no
            // read. Any conflict (taken, or an expired slot to take over) falls through to the careful path below.
            var guess = Enumerable.Range(0, capacity).OrderBy(_ => Random.Shared.Next()).Take(count).ToList();
            try
            {
                var etags = await table.SubmitAsync([.. guess.Select(i => new TableTransactionAction(TableTransactionActionType.Add, Slot(pool, i, holder, expiresAt)))], cancellationToken);
                return new SlotLease(pool, holder, guess.Select((i, n) => (i, etags[n].ToString())).ToDictionary(p => p.i, p => p.Item2));
            }
            catch (RequestFailedException e) when (e.IsConflict())
            {
                // fall through
            }
        }

        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var now = _clock.GetUtcNow();
            var current = new Dictionary<int, TableEntity>();
            await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition(pool)}"), cancellationToken: cancellationToken))
            {
                current[int.Parse(e.RowKey, CultureInfo.InvariantCulture)] = e;
            }

            var live = current.Where(c => c.Value.GetDateTimeOffset("ExpiresAt") > now).Select(c => c.Key).ToHashSet();
            // Only waiters with a higher priority can hold this caller back: read just those (row keys sort them first).
            var waiting = new List<SlotWaiting>();
            var bound = SlotWaiting.RowKeyBound(priority);
            await foreach (var w in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {WaitPartition(pool)} and RowKey lt {bound}"), cancellationToken: cancellationToken))
            {
                if (w.GetDateTimeOffset("ExpiresAt") > now && w.GetString("Holder") != holder)
                {
                    waiting.Add(new SlotWaiting(w.GetString("Holder")!, w.GetInt32("Priority") ?? 0, w.GetDateTimeOffset("Since") ?? now, w.GetInt32("Count") ?? 1));
                }
            }

            var me = new SlotWaiting(holder, priority, now, count);
            var waitKey = SlotWaiting.RowKey(priority, KeyEncoding.Encode(holder));
            if (waiting.Count > 0 || live.Count * 2 >= capacity)
            {
                _contended[pool] = now; // others wait, or it is half full: take the careful path for a while
            }

            if (capacity - live.Count < count || !SlotWaiting.MayTake(me, waiting, capacity - live.Count))
            {
                // Wait in line: a freed slot goes to the highest priority_weight first.
                await table.UpsertAsync(
                    new TableEntity(WaitPartition(pool), waitKey) { ["Holder"] = holder, ["Priority"] = priority, ["Since"] = now, ["Count"] = count, ["ExpiresAt"] = now + SlotWaiting.Timeout },
                    TableUpdateMode.Replace,
                    cancellationToken);
                _waitingHere[Partition(pool) + "/" + waitKey] = 0;
                return null;
            }

            // Random free indexes, so hosts taking slots at the same moment rarely pick the same one (a lost race
            // would otherwise send the try back to the queue for a second).
            var chosen = Enumerable.Range(0, capacity).Where(i => !live.Contains(i)).OrderBy(_ => Random.Shared.Next()).Take(count).ToList();
            var actions = chosen.Select(i => current.TryGetValue(i, out var expired)
                ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, Slot(pool, i, holder, expiresAt), expired.ETag)
                : new TableTransactionAction(TableTransactionActionType.Add, Slot(pool, i, holder, expiresAt))).ToList();
            try
            {
                var etags = await table.SubmitAsync(actions, cancellationToken);
                if (_waitingHere.TryRemove(Partition(pool) + "/" + waitKey, out _))
                {
                    await table.DeleteIfExistsAsync(WaitPartition(pool), waitKey, cancellationToken: cancellationToken); // no longer waiting
                }

                return new SlotLease(pool, holder, chosen.Select((i, n) => (i, etags[n].ToString())).ToDictionary(p => p.i, p => p.Item2));
            }
            catch (RequestFailedException e) when (e.IsConflict())
            {
                // Another host took one of these slots between the read and the write: look again.
            }
        }

        return null;
    }

    /// <inheritdoc />
    public async Task<SlotLease?> RenewAsync(SlotLease lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var actions = lease.Slots.Select(s => new TableTransactionAction(TableTransactionActionType.UpdateReplace, Slot(lease.Pool, s.Key, lease.Holder, expiresAt), new ETag(s.Value))).ToList();
        try
        {
            var etags = await table.SubmitAsync(actions, cancellationToken);
            return lease with { Slots = lease.Slots.Keys.Select((i, n) => (i, etags[n].ToString())).ToDictionary(p => p.i, p => p.Item2) };
        }
        catch (RequestFailedException e) when (e.IsConflict() || e.IsNotFound())
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(SlotLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        try
        {
            // One request for all of the lease's slots (they share a partition).
            await table.SubmitAsync([.. lease.Slots.Select(s => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(Partition(lease.Pool), Row(s.Key)), new ETag(s.Value)))], cancellationToken);
            return;
        }
        catch (RequestFailedException e) when (e.IsConflict() || e.IsNotFound())
        {
            // Some slot expired and was taken over: delete the others one by one.
        }

        foreach (var (index, version) in lease.Slots)
        {
            try
            {
                await table.DeleteIfExistsAsync(Partition(lease.Pool), Row(index), new ETag(version), cancellationToken);
            }
            catch (RequestFailedException e) when (e.IsConflict())
            {
                // Expired and taken over by another attempt: not ours to delete.
            }
        }
    }

    /// <inheritdoc />
    public async Task<int> CountInUseAsync(string pool, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var count = 0;
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition(pool)}"), cancellationToken: cancellationToken))
        {
            count += e.GetDateTimeOffset("ExpiresAt") > now ? 1 : 0;
        }

        return count;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _contended = new(StringComparer.Ordinal);

    // A pool this process saw waiters in, or half full, in the last few seconds: no bare-insert guessing.
    private bool RecentlyContended(string pool) =>
        _contended.TryGetValue(pool, out var at) && _clock.GetUtcNow() - at < SlotWaiting.Timeout;

    private static string Partition(string pool) => "slots|" + KeyEncoding.Encode(pool);

    private static string WaitPartition(string pool) => "wait|" + KeyEncoding.Encode(pool);

    private static string Row(int index) => index.ToString("D6", CultureInfo.InvariantCulture);

    private static TableEntity Slot(string pool, int index, string holder, DateTimeOffset expiresAt) => new(Partition(pool), Row(index))
    {
        ["Holder"] = holder,
        ["ExpiresAt"] = expiresAt,
    };
}

/// <summary>Pool definitions in the <c>pools</c> table (PartitionKey <c>pool</c>).</summary>
public sealed class TablePoolStore(TableClient table) : IPoolStore
{
    private const string Partition = "pool";

    /// <inheritdoc />
    public async Task<Pool?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        var e = await table.FindAsync(Partition, KeyEncoding.Encode(name), cancellationToken: cancellationToken);
        return e is null ? null : Read(e);
    }

    /// <inheritdoc />
    public async Task SetAsync(Pool pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfNegative(pool.Slots);
        await table.UpsertAsync(new TableEntity(Partition, KeyEncoding.Encode(pool.Name)) { ["Name"] = pool.Name, ["Slots"] = pool.Slots, ["Description"] = pool.Description }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        table.DeleteIfExistsAsync(Partition, KeyEncoding.Encode(name), cancellationToken: cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Pool>> ListAsync(CancellationToken cancellationToken = default)
    {
        var pools = new List<Pool>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken))
        {
            pools.Add(Read(e));
        }

        return [.. pools.OrderBy(p => p.Name, StringComparer.Ordinal)];
    }

    private static Pool Read(TableEntity e) => new(e.GetString("Name")!, e.GetInt32("Slots") ?? 0, e.GetString("Description"));
}
