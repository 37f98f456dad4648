using Gale.Dags;

namespace Gale.Limits;

/// <summary>The slots one attempt holds while it runs (its DAG's max_active_tasks and its pool), renewed with its heartbeats.</summary>
public sealed class HeldSlots(ISlotStore store, IReadOnlyList<SlotLease> leases)
{
    private List<SlotLease> _leases = [.. leases];

    /// <summary>Nothing held (the attempt needed no slots, or they were not taken).</summary>
    public static HeldSlots None(ISlotStore store) => new(store, []);

    /// <summary>The leases held now.</summary>
    public IReadOnlyList<SlotLease> Leases => _leases;

    /// <summary>Extends every lease; returns false when one was lost (expired and taken by another attempt).</summary>
    public async Task<bool> RenewAsync(DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var renewed = new List<SlotLease>();
        var all = true;
        foreach (var lease in _leases)
        {
            if (await store.RenewAsync(lease, expiresAt, cancellationToken) is { } r)
            {
                renewed.Add(r);
            }
            else
            {
                all = false;
            }
        }

        _leases = renewed;
        return all;
    }

    /// <summary>Gives every slot back.</summary>
    public async Task ReleaseAsync()
    {
        var leases = _leases;
        _leases = [];
        await Task.WhenAll(leases.Select(l => store.ReleaseAsync(l, CancellationToken.None)));
    }
}

/// <summary>Takes the slots a task needs before it runs: one of its DAG's max_active_tasks, and pool_slots of its pool.</summary>
public static class TaskLimits
{
    /// <summary>
    /// A task's effective priority with Airflow's default weight rule (<c>downstream</c>): its priority_weight plus
    /// those of every task downstream of it, so work that unblocks more goes first.
    /// </summary>
    public static int PriorityWeight(Dag dag, DagTask task)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(task);
        return task.PriorityWeight + dag.AllDownstream(task.TaskId).Sum(id => dag.GetTask(id).PriorityWeight);
    }

    /// <summary>The pool that stands for a DAG's max_active_tasks.</summary>
    public static string DagPool(string dagId) => "dag:" + dagId;

    /// <summary>
    /// The slots, or (null, null) when they are busy (try later), or (null, problem) when the task can never run
    /// (unknown pool, or more pool_slots than the pool has).
    /// </summary>
    public static async Task<(HeldSlots? Slots, string? Problem)> TryAcquireAsync(ISlotStore slots, IPoolStore pools, Dag dag, DagTask task, string holder, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(pools);
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(task);
        var pool = await pools.GetEffectiveAsync(task.Pool, cancellationToken);
        if (pool is null)
        {
            return (null, $"pool '{task.Pool}' does not exist (create it with `gale pools set {task.Pool} SLOTS`)");
        }

        if (task.PoolSlots > pool.Slots)
        {
            return (null, $"task needs {task.PoolSlots} slots of pool '{pool.Name}', which has {pool.Slots}");
        }

        // Both at once (one round trip of latency, not two); if either is busy, the other is given back.
        var priority = PriorityWeight(dag, task);
        var dagTake = slots.TryAcquireAsync(DagPool(dag.DagId), dag.Settings.MaxActiveTasks, 1, holder, priority, expiresAt, cancellationToken);
        var poolTake = slots.TryAcquireAsync(pool.Name, pool.Slots, task.PoolSlots, holder, priority, expiresAt, cancellationToken);
        try
        {
            await Task.WhenAll(dagTake, poolTake);
        }
        catch
        {
            // One take failed (storage error): give back the other, or it is held until its lease runs out.
            await new HeldSlots(slots, [.. new[] { dagTake, poolTake }.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).OfType<SlotLease>()]).ReleaseAsync();
            throw;
        }

        var (dagLease, poolLease) = (await dagTake, await poolTake);
        if (dagLease is null || poolLease is null)
        {
            await new HeldSlots(slots, [.. new[] { dagLease, poolLease }.OfType<SlotLease>()]).ReleaseAsync();
            return (null, null);
        }

        return (new HeldSlots(slots, [dagLease, poolLease]), null);
    }
}
