using Gale.Dags;
using Gale.Engine;
using Gale.InMemory;
using Gale.Limits;
using Gale.Runs;

namespace Gale.Core.Tests.Engine;

public sealed class LimitsTests
{
    private static int MaxConcurrent(IEnumerable<TaskTransition> history, Func<string, bool> counts)
    {
        var running = 0;
        var max = 0;
        foreach (var t in history.OrderBy(t => t.At).ThenBy(t => t.To == TaskInstanceState.Running ? 1 : 0))
        {
            if (!counts(t.TaskId))
            {
                continue;
            }

            if (t.To == TaskInstanceState.Running)
            {
                max = Math.Max(max, ++running);
            }
            else if (t.From == TaskInstanceState.Running)
            {
                running--;
            }
        }

        return max;
    }

    [Fact]
    public async Task Run_PoolAndMaxActiveTasks_NeverExceededAndEverythingRuns()
    {
        var inPool = 0;
        var maxInPool = 0;
        var builder = Dag.Create("limited").With(s => s with { MaxActiveTasks = 4 });
        for (var i = 0; i < 12; i++)
        {
            var pooled = i % 2 == 0;
            builder.Task($"t{i}", async ctx =>
            {
                if (pooled)
                {
                    var now = Interlocked.Increment(ref inPool);
                    InterlockedMax(ref maxInPool, now);
                }

                await Task.Delay(100);
                if (pooled)
                {
                    Interlocked.Decrement(ref inPool);
                }
            }, options: new TaskOptions { Pool = pooled ? "narrow" : null });
        }

        var dag = builder.Build();
        await using var harness = new EngineHarness(dag) { Services = new TaskServices { Pools = await PoolsAsync(new Pool("narrow", 2)) } };
        var host = harness.StartHost(new EngineOptions { Lease = TimeSpan.FromSeconds(30), TaskConcurrency = 16 });

        Assert.Equal(DagRunState.Success, await harness.TriggerAndWaitAsync(host, dag, "manual__limits"));

        var history = await harness.Store.ReadHistoryAsync(new RunKey("limited", "manual__limits"));
        Assert.True(maxInPool <= 2, $"pool 'narrow' had {maxInPool} tasks at once");
        Assert.InRange(MaxConcurrent(history, id => int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 0), 1, 2);
        Assert.InRange(MaxConcurrent(history, _ => true), 2, 4);
        Assert.True(host.Engine.Stats.SlotWaits > 0);
    }

    [Fact]
    public async Task Run_MappedInstances_CountAgainstMaxActiveTasks()
    {
        var active = 0;
        var maxActive = 0;
        var dag = Dag.Create("mapped_limited").With(s => s with { MaxActiveTasks = 3 })
            .Task("work", async ctx =>
            {
                InterlockedMax(ref maxActive, Interlocked.Increment(ref active));
                await Task.Delay(60);
                Interlocked.Decrement(ref active);
                return ctx.Arg<int>("n");
            })
            .Expand("work", MapSource.Literal("n", Enumerable.Range(0, 12).ToArray()))
            .Task("solo", async _ => await Task.Delay(60))
            .Build();
        await using var harness = new EngineHarness(dag);
        var host = harness.StartHost(new EngineOptions { Lease = TimeSpan.FromSeconds(30), TaskConcurrency = 16 });

        Assert.Equal(DagRunState.Success, await harness.TriggerAndWaitAsync(host, dag, "manual__mapped"));

        var snapshot = await harness.Store.LoadAsync(new RunKey("mapped_limited", "manual__mapped"));
        Assert.Equal(12, snapshot!.Tasks.Keys.Count(k => k.TaskId == "work"));
        Assert.InRange(maxActive, 1, 3); // "solo" may hold one of the three
        var history = await harness.Store.ReadHistoryAsync(new RunKey("mapped_limited", "manual__mapped"));
        Assert.InRange(MaxConcurrent(history, _ => true), 1, 3);
        Assert.True(host.Engine.Stats.SlotWaits > 0);
    }

    [Fact]
    public async Task Run_UnknownPoolOrTooManySlots_FailsWithAClearMessage()
    {
        var dag = Dag.Create("bad_pools")
            .Task("nowhere", _ => { }, options: new TaskOptions { Pool = "missing" })
            .Task("greedy", _ => { }, options: new TaskOptions { Pool = "narrow", PoolSlots = 5 })
            .Build();
        await using var harness = new EngineHarness(dag) { Services = new TaskServices { Pools = await PoolsAsync(new Pool("narrow", 2)) } };
        var host = harness.StartHost(new EngineOptions { Lease = TimeSpan.FromSeconds(30) });

        Assert.Equal(DagRunState.Failed, await harness.TriggerAndWaitAsync(host, dag, "manual__bad"));

        var snapshot = await harness.Store.LoadAsync(new RunKey("bad_pools", "manual__bad"));
        Assert.Contains("pool 'missing' does not exist", snapshot!.Find(new("nowhere"))!.Message, StringComparison.Ordinal);
        Assert.Contains("needs 5 slots of pool 'narrow', which has 2", snapshot.Find(new("greedy"))!.Message, StringComparison.Ordinal);
    }

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
