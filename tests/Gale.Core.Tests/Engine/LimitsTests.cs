using Gale.Dags;
using Gale.InMemory;
using Gale.Limits;

namespace Gale.Core.Tests.Engine;

public sealed class LimitsTests
{
    [Fact]
    public async Task TryAcquire_ExpiredLease_SlotComesBack()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var slots = new InMemorySlotStore(clock);

        var first = await slots.TryAcquireAsync("p", 1, 1, "a", 1, clock.GetUtcNow().AddSeconds(10));
        var blocked = await slots.TryAcquireAsync("p", 1, 1, "b", 1, clock.GetUtcNow().AddSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(11));
        var after = await slots.TryAcquireAsync("p", 1, 1, "b", 1, clock.GetUtcNow().AddSeconds(10));

        Assert.NotNull(first);
        Assert.Null(blocked);
        Assert.NotNull(after);
        Assert.Null(await slots.RenewAsync(first!, clock.GetUtcNow().AddSeconds(10))); // lost: b holds it now
    }

    [Fact]
    public async Task TryAcquire_ScarceSlot_HighestPriorityWaiterGetsItAndEqualPrioritiesDoNotQueue()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        var slots = new InMemorySlotStore(clock);
        var expires = clock.GetUtcNow().AddMinutes(5);
        var holder = await slots.TryAcquireAsync("p", 1, 1, "holder", 1, expires);
        Assert.Null(await slots.TryAcquireAsync("p", 1, 1, "low-early", 1, expires));
        clock.Advance(TimeSpan.FromMilliseconds(10));
        Assert.Null(await slots.TryAcquireAsync("p", 1, 1, "low-late", 1, expires));
        Assert.Null(await slots.TryAcquireAsync("p", 1, 1, "high", 5, expires));

        await slots.ReleaseAsync(holder!);

        Assert.Null(await slots.TryAcquireAsync("p", 1, 1, "low-late", 1, expires)); // the slot is free, but high waits for it
        Assert.Null(await slots.TryAcquireAsync("p", 1, 1, "low-early", 1, expires));
        var high = await slots.TryAcquireAsync("p", 1, 1, "high", 5, expires);
        Assert.NotNull(high);
        await slots.ReleaseAsync(high!);
        Assert.NotNull(await slots.TryAcquireAsync("p", 1, 1, "low-late", 1, expires)); // equal priorities: whoever comes first
    }

    [Fact]
    public void PriorityWeight_DownstreamRule_AddsEveryDownstreamWeight()
    {
        var dag = Dag.Create("weights")
            .Task("a", _ => { }, options: new TaskOptions { PriorityWeight = 2 })
            .Task("b", _ => { }, after: "a", options: new TaskOptions { PriorityWeight = 3 })
            .Task("c", _ => { }, after: "b")
            .Build();

        Assert.Equal([6, 4, 1], new[] { "a", "b", "c" }.Select(t => TaskLimits.PriorityWeight(dag, dag.GetTask(t))));
    }

    private static async Task<InMemoryPoolStore> PoolsAsync(params Pool[] pools)
    {
        var store = new InMemoryPoolStore();
        foreach (var pool in pools)
        {
            await store.SetAsync(pool);
        }

        return store;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
