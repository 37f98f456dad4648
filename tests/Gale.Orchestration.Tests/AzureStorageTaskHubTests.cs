using System.Diagnostics;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Exceptions;
using Gale.Dags;
using Gale.Engine;
using Gale.Orchestration.AzureStorage;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Gale.Testing;

namespace Gale.Orchestration.Tests;

/// <summary>
/// The same orchestrator and activities on DurableTask.Core's TaskHubWorker over DurableTask.AzureStorage, on a real
/// Azurite (the backend `gale serve` will host), registered through the SDK's shims.
/// </summary>
public sealed class AzureStorageTaskHubTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly OrchestrationStatus[] AnyExisting =
        [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.ContinuedAsNew, OrchestrationStatus.Completed, OrchestrationStatus.Failed, OrchestrationStatus.Terminated];

    [Fact]
    public async Task Run_FanOutAndJoinOnAzurite_CompletesAsAnInstanceOfTheTaskHubWithItsStatus()
    {
        var builder = Dag.Create("hub_fan");
        var branches = Enumerable.Range(0, 10).Select(i => $"t{i}").ToArray();
        foreach (var id in branches)
        {
            builder.Task(id, ctx => ctx.TaskId.Length);
        }

        var joined = 0;
        builder.Task("join", ctx => { joined = branches.Sum(b => ctx.XCom.Pull<int>(b)); }, after: branches);
        var dag = builder.Build();
        await using var hub = await StartAsync(dag);
        var run = OrchestrationHost.Run(dag);
        var instanceId = RunInstanceId.For(run.Key);

        await hub.Client.CreateOrchestrationInstanceAsync(nameof(DagRunOrchestrator), string.Empty, instanceId, new DagRunInput(run), null, AnyExisting);
        var state = await CompletedAsync(hub, instanceId);

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        var status = RunStatus.Decode(JsonSerializer.Deserialize<string>(state.Status)!);
        Assert.Equal(DagRunState.Success, status.State);
        Assert.Equal(11, status.Tasks.Count(t => t.State == TaskInstanceState.Success));
        Assert.Equal(20, joined);
    }

    [Fact]
    public async Task Start_SameRunIdTwice_SecondRefusedAndTheFirstRunsOn()
    {
        var release = new TaskCompletionSource();
        var dag = Dag.Create("hub_dup").Task("slow", async _ => await release.Task).Build();
        await using var hub = await StartAsync(dag);
        var run = OrchestrationHost.Run(dag);
        var instanceId = RunInstanceId.For(run.Key);

        await hub.Client.CreateOrchestrationInstanceAsync(nameof(DagRunOrchestrator), string.Empty, instanceId, new DagRunInput(run), null, AnyExisting);
        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(() => hub.Client.CreateOrchestrationInstanceAsync(nameof(DagRunOrchestrator), string.Empty, instanceId, new DagRunInput(run with { Conf = "{\"again\":true}" }), null, AnyExisting));
        release.SetResult();
        var state = await CompletedAsync(hub, instanceId);

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.DoesNotContain("again", state.Input, StringComparison.Ordinal);
    }

    private async Task<AzureStorageTaskHub> StartAsync(params Dag[] dags)
    {
        var bag = new DagBag(dags);
        var services = new TaskServices();
        var executor = new TaskAttemptExecutor(services, bag, TimeProvider.System, DagRunOrchestrator.WorkerId, new NoLauncher(), null);
        // One task hub per test: its own queues, tables and leases on the shared Azurite.
        var options = new TaskHubOptions { HubName = "h" + Guid.NewGuid().ToString("N")[..12], PartitionCount = 1 };
        return await AzureStorageTaskHub.StartAsync(azurite.Server.Connection, options, bag, services, executor, TimeProvider.System);
    }

    private static async Task<OrchestrationState> CompletedAsync(AzureStorageTaskHub hub, string instanceId)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var state = await hub.Client.GetOrchestrationStateAsync(instanceId);
            if (state is { OrchestrationStatus: not (OrchestrationStatus.Pending or OrchestrationStatus.Running) })
            {
                return state;
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"{instanceId} is still {state?.OrchestrationStatus}");
            await Task.Delay(50);
        }
    }

    private sealed class NoLauncher : IDagRunLauncher
    {
        public Task<(DagRun Run, bool Created)> TriggerAsync(string dagId, string? runId, DateTimeOffset? logicalDate, string? confJson, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("these DAGs trigger no other DAG");

        public Task<DagRunState?> GetStateAsync(RunKey run, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("these DAGs watch no other DAG");
    }
}
