using Gale.Dags;
using Gale.Engine;
using Gale.InMemory;
using Gale.Limits;
using Gale.Orchestration.AzureStorage;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Gale.Testing;

namespace Gale.Orchestration.Tests;

/// <summary>
/// Pools and max_active_tasks on the Durable Task runtime (Azure Storage backend on Azurite): a try takes its slots in
/// its activity, and a try whose slots are busy goes back to queued and starts again a moment later.
/// </summary>
public sealed class TaskHubLimitsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Run_PoolAndMaxActiveTasks_NeverExceededAndEverythingRuns()
    {
        var inPool = 0;
        var maxInPool = 0;
        var active = 0;
        var maxActive = 0;
        var builder = Dag.Create("hub_limited").With(s => s with { MaxActiveTasks = 4 });
        for (var i = 0; i < 12; i++)
        {
            var pooled = i % 2 == 0;
            builder.Task($"t{i}", async _ =>
            {
                InterlockedMax(ref maxActive, Interlocked.Increment(ref active));
                if (pooled)
                {
                    InterlockedMax(ref maxInPool, Interlocked.Increment(ref inPool));
                }

                await Task.Delay(300);
                if (pooled)
                {
                    Interlocked.Decrement(ref inPool);
                }

                Interlocked.Decrement(ref active);
            }, options: new TaskOptions { Pool = pooled ? "narrow" : null });
        }

        var dag = builder.Build();
        await using var hub = await StartAsync(dag, new Pool("narrow", 2));

        var (state, snapshot) = await RunAsync(hub, dag);

        Assert.Equal(DagRunState.Success, state);
        Assert.All(snapshot.Tasks.Values, t => Assert.Equal((TaskInstanceState.Success, 1), (t.State, t.TryNumber)));
        Assert.InRange(maxInPool, 1, 2);
        Assert.InRange(maxActive, 2, 4);
    }

    [Fact]
    public async Task Run_MappedInstances_CountAgainstMaxActiveTasks()
    {
        var active = 0;
        var maxActive = 0;
        var dag = Dag.Create("hub_mapped_limited").With(s => s with { MaxActiveTasks = 3 })
            .Task("work", async ctx =>
            {
                InterlockedMax(ref maxActive, Interlocked.Increment(ref active));
                await Task.Delay(200);
                Interlocked.Decrement(ref active);
                return ctx.Arg<int>("n");
            })
            .Expand("work", MapSource.Literal("n", Enumerable.Range(0, 9).ToArray()))
            .Build();
        await using var hub = await StartAsync(dag);

        var (state, snapshot) = await RunAsync(hub, dag);

        Assert.Equal(DagRunState.Success, state);
        Assert.Equal(9, snapshot.Tasks.Keys.Count(k => k.TaskId == "work"));
        Assert.InRange(maxActive, 1, 3);
    }

    [Fact]
    public async Task Run_UnknownPoolOrTooManySlots_FailsWithAClearMessage()
    {
        var dag = Dag.Create("hub_bad_pools")
            .Task("nowhere", _ => { }, options: new TaskOptions { Pool = "missing" })
            .Task("greedy", _ => { }, options: new TaskOptions { Pool = "narrow", PoolSlots = 5 })
            .Build();
        await using var hub = await StartAsync(dag, new Pool("narrow", 2));

        var (state, snapshot) = await RunAsync(hub, dag);

        Assert.Equal(DagRunState.Failed, state);
        Assert.Contains("pool 'missing' does not exist", snapshot.Find(new("nowhere"))!.Message, StringComparison.Ordinal);
        Assert.Contains("needs 5 slots of pool 'narrow', which has 2", snapshot.Find(new("greedy"))!.Message, StringComparison.Ordinal);
    }

    private static async Task<(DagRunState State, RunSnapshot Snapshot)> RunAsync(AzureStorageTaskHub hub, Dag dag)
    {
        var run = OrchestrationHost.Run(dag);
        await hub.Runs.CreateRunAsync(dag, run);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await hub.Client.WaitForInstanceCompletionAsync(RunInstanceId.For(run.Key), getInputsAndOutputs: false, timeout.Token);
        var snapshot = (await hub.Runs.LoadAsync(run.Key))!;
        return (snapshot.Run.State, snapshot);
    }

    private async Task<AzureStorageTaskHub> StartAsync(Dag dag, params Pool[] pools)
    {
        var store = new InMemoryPoolStore();
        foreach (var pool in pools)
        {
            await store.SetAsync(pool);
        }

        var services = new TaskServices { Pools = store };
        var options = new TaskHubOptions { HubName = "h" + Guid.NewGuid().ToString("N")[..12], PartitionCount = 1 };
        return await AzureStorageTaskHub.StartAsync(azurite.Server.Connection, options, new DagBag([dag]), services, TimeProvider.System);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
