namespace Gale.Limits;

/// <summary>Slots held in one pool by one attempt, with the versions needed to renew or release them.</summary>
/// <param name="Pool">The pool (a task pool, or <c>dag:&lt;id&gt;</c> for max_active_tasks).</param>
/// <param name="Holder">The attempt holding them.</param>
/// <param name="Slots">Slot index to version.</param>
public sealed record SlotLease(string Pool, string Holder, IReadOnlyDictionary<int, string> Slots);

/// <summary>
/// Port: counted slots shared by every host (pools, max_active_tasks). A slot is held until released or until its
/// lease expires (a dead worker's slots come back). Azure: entities in the <c>pools</c> table, taken with
/// insert-if-absent and If-Match in one entity-group transaction, so two hosts can never take the same slot.
/// </summary>
public interface ISlotStore
{
    /// <summary>
    /// Takes <paramref name="count"/> of the pool's <paramref name="capacity"/> slots, all or none, unless holders with a
    /// higher <paramref name="priority"/> (or the same priority, waiting longer) are waiting for the free slots: then
    /// the caller is recorded as waiting (for <see cref="SlotWaiting.Timeout"/>) and gets null.
    /// </summary>
    /// <returns>The lease, or null when not enough slots are free for this holder.</returns>
    Task<SlotLease?> TryAcquireAsync(string pool, int capacity, int count, string holder, int priority, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease; returns the renewed lease, or null when it was lost (expired and taken).</summary>
    Task<SlotLease?> RenewAsync(SlotLease lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Gives the slots back (no-op for slots already taken over by others).</summary>
    Task ReleaseAsync(SlotLease lease, CancellationToken cancellationToken = default);

    /// <summary>Slots in use (unexpired) per pool, for people.</summary>
    Task<int> CountInUseAsync(string pool, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Gives back slots this process holds but does not use (on shutdown); nothing to do for most stores.</summary>
    Task ReleaseIdleAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
}

/// <summary>Who waits for a pool's slots, and the rule that orders them (Airflow: higher priority_weight first).</summary>
/// <param name="Holder">The waiting attempt.</param>
/// <param name="Priority">Its priority weight.</param>
/// <param name="Since">When it started waiting.</param>
/// <param name="Count">Slots it needs.</param>
public sealed record SlotWaiting(string Holder, int Priority, DateTimeOffset Since, int Count)
{
    /// <summary>A waiting entry not refreshed for this long is forgotten (its attempt is gone).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// True when <paramref name="me"/> may take its slots from <paramref name="free"/>: the slots wanted by waiting
    /// holders of a strictly higher priority are kept for them. Equal priorities do not queue behind each other, so
    /// a big fan-out of equal tasks runs as fast as slots free up (a waiter comes back only every second).
    /// </summary>
    public static bool MayTake(SlotWaiting me, IEnumerable<SlotWaiting> waiting, int free)
    {
        ArgumentNullException.ThrowIfNull(me);
        ArgumentNullException.ThrowIfNull(waiting);
        var ahead = waiting.Where(w => w.Holder != me.Holder && w.Priority > me.Priority).Sum(w => w.Count);
        return ahead + me.Count <= free;
    }

    /// <summary>A row key that sorts higher priorities first, so a store can read only the waiters ahead of a priority.</summary>
    public static string RowKey(int priority, string holder) =>
        $"{(long)int.MaxValue - priority:D11}|{holder}";

    /// <summary>The row-key bound below which every waiter has a priority higher than <paramref name="priority"/>.</summary>
    public static string RowKeyBound(int priority) => $"{(long)int.MaxValue - priority:D11}|";
}

/// <summary>A pool: a name, a number of slots and a description (Airflow's Pool).</summary>
/// <param name="Name">The name tasks refer to.</param>
/// <param name="Slots">How many slots (a task takes pool_slots of them while it runs).</param>
/// <param name="Description">What it guards.</param>
public sealed record Pool(string Name, int Slots, string? Description = null)
{
    /// <summary>The pool tasks use when they name none.</summary>
    public const string DefaultName = "default_pool";

    /// <summary>Slots of <see cref="DefaultName"/> until it is set otherwise (Airflow's default).</summary>
    public const int DefaultSlots = 128;
}

/// <summary>Port: pool definitions. Azure: the <c>pools</c> table.</summary>
public interface IPoolStore
{
    /// <summary>The pool, or null (default_pool exists implicitly with 128 slots).</summary>
    Task<Pool?> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces a pool.</summary>
    Task SetAsync(Pool pool, CancellationToken cancellationToken = default);

    /// <summary>Deletes a pool; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every defined pool.</summary>
    Task<IReadOnlyList<Pool>> ListAsync(CancellationToken cancellationToken = default);
}

/// <summary>Pools as tasks see them: <c>default_pool</c> exists with 128 slots until it is set otherwise.</summary>
public static class PoolStoreExtensions
{
    private static readonly Pool ImplicitDefault = new(Pool.DefaultName, Pool.DefaultSlots, "Default pool");

    /// <summary>The pool, the implicit default_pool, or null.</summary>
    public static async Task<Pool?> GetEffectiveAsync(this IPoolStore pools, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pools);
        return await pools.GetAsync(name, cancellationToken) ?? (name == Pool.DefaultName ? ImplicitDefault : null);
    }

    /// <summary>Every pool, with the implicit default_pool first when it was never set.</summary>
    public static async Task<IReadOnlyList<Pool>> ListEffectiveAsync(this IPoolStore pools, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pools);
        var list = await pools.ListAsync(cancellationToken);
        return list.Any(p => p.Name == Pool.DefaultName) ? list : [ImplicitDefault, .. list];
    }
}
