using Gale.InMemory;
using Gale.Limits;

namespace Gale.Core.Tests.Limits;

public sealed class BlockSlotStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    /// <summary>Counts the requests that reach the shared store.</summary>
    private sealed class Counting(ISlotStore inner) : ISlotStore
    {
        public int Acquires;
        public int Renews;
        public int Releases;

        public Task<SlotLease?> TryAcquireAsync(string pool, int capacity, int count, string holder, int priority, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Acquires);
            return inner.TryAcquireAsync(pool, capacity, count, holder, priority, expiresAt, cancellationToken);
        }

        public Task<SlotLease?> RenewAsync(SlotLease lease, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Renews);
            return inner.RenewAsync(lease, expiresAt, cancellationToken);
        }

        public Task ReleaseAsync(SlotLease lease, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Releases);
            return inner.ReleaseAsync(lease, cancellationToken);
        }

        public Task<int> CountInUseAsync(string pool, DateTimeOffset now, CancellationToken cancellationToken = default) => inner.CountInUseAsync(pool, now, cancellationToken);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200 && !await condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(await condition());
    }

    [Fact]
    public async Task TryAcquire_ManyShortAttempts_ServedFromBlocksWithFewSharedRequests()
    {
        var clock = new ManualTimeProvider(Start);
        var shared = new Counting(new InMemorySlotStore(clock));
        var store = new BlockSlotStore(shared, clock);

        for (var i = 0; i < 100; i++)
        {
            var lease = await store.TryAcquireAsync("default_pool", 128, 1, $"a{i}", 1, clock.GetUtcNow() + Lease);
            Assert.NotNull(lease);
            await store.ReleaseAsync(lease!);
        }

        Assert.Equal(1, shared.Acquires);
        Assert.Equal(100, store.LocalTakes + 1);
        Assert.Equal(BlockSlotStore.MaxBlock, await shared.CountInUseAsync("default_pool", clock.GetUtcNow()));
    }

    [Fact]
    public async Task TryAcquire_TwoHostsRacing_NeverLendMoreThanTheCapacity()
    {
        var shared = new InMemorySlotStore();
        var hosts = new[] { new BlockSlotStore(shared), new BlockSlotStore(shared) };
        var held = 0;
        var maxHeld = 0;
        var granted = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            var host = hosts[worker % 2];
            for (var i = 0; i < 60; i++)
            {
                var lease = await host.TryAcquireAsync("narrow", 12, 1, $"w{worker}-{i}", 1, DateTimeOffset.UtcNow + Lease);
                if (lease is null)
                {
                    await Task.Yield();
                    continue;
                }

                Interlocked.Increment(ref granted);
                var now = Interlocked.Increment(ref held);
                int seen;
                while ((seen = Volatile.Read(ref maxHeld)) < now && Interlocked.CompareExchange(ref maxHeld, now, seen) != seen)
                {
                }

                await Task.Delay(1);
                Interlocked.Decrement(ref held);
                await host.ReleaseAsync(lease);
            }
        }));

        Assert.InRange(maxHeld, 1, 12);
        Assert.True(granted > 0);
        Assert.InRange(await shared.CountInUseAsync("narrow", DateTimeOffset.UtcNow), 0, 12);
    }

    [Fact]
    public async Task Release_IdleSlots_GoBackToTheSharedStore()
    {
        var clock = new ManualTimeProvider(Start);
        var shared = new InMemorySlotStore(clock);
        var store = new BlockSlotStore(shared, clock);
        var lease = await store.TryAcquireAsync("p", 40, 1, "a", 1, clock.GetUtcNow() + Lease);
        Assert.Equal(8, await shared.CountInUseAsync("p", clock.GetUtcNow()));

        await store.ReleaseAsync(lease!);
        clock.Advance(BlockSlotStore.IdleRelease + TimeSpan.FromMilliseconds(1));

        await WaitUntilAsync(async () => await shared.CountInUseAsync("p", clock.GetUtcNow()) == 0);
    }

    [Fact]
    public async Task Renew_FiveAttemptsHeartbeating_OneSharedRenewalPerHalfLease()
    {
        var clock = new ManualTimeProvider(Start);
        var shared = new Counting(new InMemorySlotStore(clock));
        var store = new BlockSlotStore(shared, clock);
        var leases = new List<SlotLease>();
        for (var i = 0; i < 5; i++)
        {
            leases.Add((await store.TryAcquireAsync("p", 80, 1, $"a{i}", 1, clock.GetUtcNow() + Lease))!);
        }

        clock.Advance(TimeSpan.FromSeconds(15));
        foreach (var lease in leases)
        {
            Assert.NotNull(await store.RenewAsync(lease, clock.GetUtcNow() + Lease));
        }

        Assert.Equal(0, shared.Renews); // a quarter of the lease gone: nothing to do yet

        clock.Advance(TimeSpan.FromSeconds(20));
        foreach (var lease in leases)
        {
            Assert.NotNull(await store.RenewAsync(lease, clock.GetUtcNow() + Lease));
        }

        Assert.Equal(1, shared.Renews);
        Assert.Equal(1, shared.Acquires);
        clock.Advance(TimeSpan.FromSeconds(50)); // still held: the renewal moved the expiry (the three idle ones went back)
        await WaitUntilAsync(async () => await shared.CountInUseAsync("p", clock.GetUtcNow()) == 5);
    }

    [Fact]
    public async Task Renew_SlotsExpiredAndTakenByAnotherHost_LeaseIsLost()
    {
        var clock = new ManualTimeProvider(Start);
        var shared = new InMemorySlotStore(clock);
        var store = new BlockSlotStore(shared, clock);
        var lease = await store.TryAcquireAsync("p", 4, 1, "a", 1, clock.GetUtcNow() + Lease);
        Assert.NotNull(lease);

        clock.Advance(Lease + TimeSpan.FromSeconds(1)); // this host stalled past its lease
        var other = await shared.TryAcquireAsync("p", 4, 4, "other-host", 1, clock.GetUtcNow() + Lease);
        Assert.NotNull(other);

        Assert.Null(await store.RenewAsync(lease!, clock.GetUtcNow() + Lease));
        Assert.Null(await store.TryAcquireAsync("p", 4, 1, "b", 1, clock.GetUtcNow() + Lease)); // all four are the other host's
    }

    [Fact]
    public async Task TryAcquire_BlockDoesNotFit_FallsBackToTheSlotsNeeded()
    {
        var clock = new ManualTimeProvider(Start);
        var shared = new InMemorySlotStore(clock);
        Assert.NotNull(await shared.TryAcquireAsync("p", 40, 39, "someone", 1, clock.GetUtcNow() + Lease));
        var store = new BlockSlotStore(shared, clock);

        var lease = await store.TryAcquireAsync("p", 40, 1, "a", 1, clock.GetUtcNow() + Lease);

        Assert.NotNull(lease);
        Assert.Equal(40, await shared.CountInUseAsync("p", clock.GetUtcNow()));
        Assert.Null(await store.TryAcquireAsync("p", 40, 1, "b", 1, clock.GetUtcNow() + Lease));
    }
}

public sealed class CachedPoolStoreTests
{
    [Fact]
    public async Task GetAsync_WithinFreshness_ReadsOnceAndSeesItsOwnChangesAtOnce()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var shared = new InMemoryPoolStore();
        var cached = new CachedPoolStore(shared, clock);
        await shared.SetAsync(new Pool("etl", 4));

        Assert.Equal(4, (await cached.GetAsync("etl"))!.Slots);
        await shared.SetAsync(new Pool("etl", 9)); // changed elsewhere
        Assert.Equal(4, (await cached.GetAsync("etl"))!.Slots);
        clock.Advance(CachedPoolStore.Freshness);
        Assert.Equal(9, (await cached.GetAsync("etl"))!.Slots);

        await cached.SetAsync(new Pool("etl", 2));
        Assert.Equal(2, (await cached.GetAsync("etl"))!.Slots);
        Assert.True(await cached.DeleteAsync("etl"));
        Assert.Null(await cached.GetAsync("etl"));
    }

    [Fact]
    public async Task GetAsync_MissingPoolCreatedElsewhere_FoundAtOnce()
    {
        var shared = new InMemoryPoolStore();
        var cached = new CachedPoolStore(shared);

        Assert.Null(await cached.GetAsync("late"));
        await shared.SetAsync(new Pool("late", 3));

        Assert.Equal(3, (await cached.GetAsync("late"))!.Slots);
    }
}
