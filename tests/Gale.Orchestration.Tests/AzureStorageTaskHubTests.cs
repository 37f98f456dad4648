using DurableTask.Core.History;
using Gale.Dags;
using Gale.Engine;
using Gale.Orchestration.Activities;
using Gale.Orchestration.AzureStorage;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Testing;
using Microsoft.DurableTask.Client;

namespace Gale.Orchestration.Tests;

/// <summary>
/// The same orchestrator and activities on DurableTask.Core's TaskHubWorker over DurableTask.AzureStorage, on a real
/// Azurite (the backend `gale serve` will host), registered through the SDK's shims.
/// </summary>
public sealed class AzureStorageTaskHubTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
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

        Assert.True(await OrchestratedRuns.StartAsync(hub.Client, run));
        var state = await CompletedAsync(hub, instanceId);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        var status = (await OrchestratedRuns.GetAsync(hub.Client, run.Key))!.Value.Status!;
        Assert.Equal(DagRunState.Success, status.State);
        Assert.Equal(11, status.Tasks.Count(t => t.State == TaskInstanceState.Success));
        Assert.Equal(20, joined);
    }

    [Fact]
    public async Task Run_PastTheTriesPerHistoryOnAzurite_GoesOnInAFreshHistoryAndKeepsEveryTry()
    {
        var executions = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var builder = Dag.Create("hub_fresh");
        var branches = Enumerable.Range(0, 12).Select(i => $"t{i}").ToArray();
        foreach (var id in branches)
        {
            builder.Task(id, ctx => executions.AddOrUpdate(ctx.TaskId, 1, (_, n) => n + 1));
        }

        var dag = builder.Task("join", ctx => executions.AddOrUpdate(ctx.TaskId, 1, (_, n) => n + 1), after: branches).Build();
        await using var hub = await StartAsync(TryWatch.DefaultInterval, triesPerHistory: 4, dag);
        var run = OrchestrationHost.Run(dag);
        var instanceId = RunInstanceId.For(run.Key);

        Assert.True(await OrchestratedRuns.StartAsync(hub.Client, run));
        var state = await CompletedAsync(hub, instanceId);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.Equal(13, executions.Count);
        Assert.All(executions, e => Assert.Equal(1, e.Value));
        Assert.NotNull((await hub.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true))!.ReadInputAs<DagRunInput>()!.Resume);
        var runs = new OrchestratedDagRuns(hub.Client, new DagBag([dag]), TimeProvider.System, TimeSpan.Zero);
        var successes = (await runs.ReadHistoryAsync(run.Key)).Where(t => t.To == TaskInstanceState.Success).Select(t => t.TaskId).ToList();
        Assert.Equal(13, successes.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(13, successes.Count);
    }

    [Fact]
    public async Task Start_SameRunIdTwice_SecondRefusedAndTheFirstRunsOn()
    {
        var release = new TaskCompletionSource();
        var dag = Dag.Create("hub_dup").Task("slow", async _ => await release.Task).Build();
        await using var hub = await StartAsync(dag);
        var run = OrchestrationHost.Run(dag);
        var instanceId = RunInstanceId.For(run.Key);

        Assert.True(await OrchestratedRuns.StartAsync(hub.Client, run));
        Assert.False(await OrchestratedRuns.StartAsync(hub.Client, run with { Conf = "{\"again\":true}" }));
        release.SetResult();
        var state = await CompletedAsync(hub, instanceId);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, state.RuntimeStatus);
        Assert.DoesNotContain("again", state.SerializedInput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_QueryByDagPrefixInPages_FindsEveryRunOfTheDagAndNoOther()
    {
        var dag = Dag.Create("hub_query").Task("t", _ => { }).Build();
        var other = Dag.Create("hub_query_other").Task("t", _ => { }).Build();
        await using var hub = await StartAsync(dag, other);
        var runs = Enumerable.Range(0, 5).Select(i => OrchestrationHost.Run(dag, $"manual__{i}")).Append(OrchestrationHost.Run(other)).ToList();
        foreach (var run in runs)
        {
            await OrchestratedRuns.StartAsync(hub.Client, run);
        }

        var found = new List<string>();
        await foreach (var page in hub.Client.GetAllInstancesAsync(new OrchestrationQuery(InstanceIdPrefix: RunInstanceId.PrefixFor(dag.DagId), PageSize: 2, FetchInputsAndOutputs: true)).AsPages())
        {
            Assert.True(page.Values.Count <= 2);
            found.AddRange(page.Values.Select(m => m.ReadInputAs<DagRunInput>()!.Run.RunId));
        }

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"manual__{i}"), found.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Client_RaiseHistoryTerminatePurge_ActOnTheInstance()
    {
        var dag = Dag.Create("hub_client").Task("wait", ctx => ctx.Defer(new Gale.Triggers.ExternalEventTrigger { Name = "go" }, timeout: TimeSpan.FromMinutes(5))).Build();
        await using var hub = await StartAsync(dag);
        var run = OrchestrationHost.Run(dag);
        var instanceId = RunInstanceId.For(run.Key);
        await OrchestratedRuns.StartAsync(hub.Client, run);
        await hub.Client.WaitForInstanceStartAsync(instanceId);

        await hub.Client.RaiseEventAsync(instanceId, DagRunOrchestrator.EventName, "not a run event");
        var history = await HistoryUntilAsync(hub, instanceId, h => h.OfType<EventRaisedEvent>().Any());
        await hub.Client.TerminateInstanceAsync(instanceId, "stopped by the test");
        var terminated = await CompletedAsync(hub, instanceId);
        var purged = await hub.Client.PurgeInstanceAsync(instanceId);

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, terminated.RuntimeStatus);
        Assert.Contains(history, e => e is ExecutionStartedEvent { Name: nameof(DagRunOrchestrator) });
        Assert.Contains(history, e => e is TaskScheduledEvent { Name: "RunTaskAttempt" });
        Assert.Equal("\"not a run event\"", history.OfType<EventRaisedEvent>().Single(e => e.Name == DagRunOrchestrator.EventName).Input);
        Assert.Equal(1, purged.PurgedInstanceCount);
        Assert.Null(await hub.Client.GetInstanceAsync(instanceId));
    }

    [Fact]
    public async Task Defer_EightDays_WaitsOnTimersWithinTheQueuesSevenDayLimit()
    {
        // An Azure Storage queue hides a message for 7 days at most: a longer durable timer is waited in legs.
        var dag = Dag.Create("hub_long")
            .Task("later", ctx =>
            {
                if (ctx.TriggerEvent is null)
                {
                    ctx.Defer(new Gale.Triggers.TimeDeltaTrigger { Delta = TimeSpan.FromDays(8) });
                }
            })
            .Build();
        await using var hub = await StartAsync(dag);
        var run = OrchestrationHost.Run(dag);
        var instanceId = RunInstanceId.For(run.Key);

        Assert.True(await OrchestratedRuns.StartAsync(hub.Client, run));
        var history = await HistoryUntilAsync(hub, instanceId, h => h.OfType<TimerCreatedEvent>().Any());
        await Task.Delay(TimeSpan.FromSeconds(2)); // the episode that sent the timer's message has been saved

        var timer = history.OfType<TimerCreatedEvent>().Single();
        var instance = (await hub.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true))!;
        Assert.InRange(timer.FireAt, DateTime.UtcNow.AddDays(1), DateTime.UtcNow.AddDays(7));
        Assert.Equal(OrchestrationRuntimeStatus.Running, instance.RuntimeStatus);
        Assert.Equal(TaskInstanceState.Deferred, RunStatus.Of(instance)!.ToSnapshot().Find(new TaskInstanceKey("later", -1))!.State);
        await hub.Client.TerminateInstanceAsync(instanceId, "the test is done");
    }

    private Task<AzureStorageTaskHub> StartAsync(params Dag[] dags) => StartAsync(TryWatch.DefaultInterval, DagRunOrchestrator.DefaultTriesPerHistory, dags);

    private Task<AzureStorageTaskHub> StartAsync(TimeSpan tryCheck, params Dag[] dags) => StartAsync(tryCheck, DagRunOrchestrator.DefaultTriesPerHistory, dags);

    private async Task<AzureStorageTaskHub> StartAsync(TimeSpan tryCheck, int triesPerHistory, params Dag[] dags)
    {
        var bag = new DagBag(dags);
        var services = new TaskServices();
        // One task hub per test: its own queues, tables and leases on the shared Azurite.
        var options = new TaskHubOptions { HubName = "h" + Guid.NewGuid().ToString("N")[..12], PartitionCount = 1, TryCheckInterval = tryCheck, TriesPerHistory = triesPerHistory };
        return await AzureStorageTaskHub.StartAsync(azurite.Server.Connection, options, bag, services, TimeProvider.System);
    }

    [Fact]
    public async Task ReadHistoryAsync_ARetriedTask_BothTriesFromTheInstanceHistory()
    {
        var calls = 0;
        var dag = Dag.Create("hub_tries")
            .Task("flaky", _ =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    throw new InvalidOperationException("first try fails");
                }
            }, options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.FromMilliseconds(100) })
            .Build();
        await using var hub = await StartAsync(dag);
        var runs = hub.Runs;
        var run = OrchestrationHost.Run(dag);

        await runs.CreateRunAsync(dag, run);
        await CompletedAsync(hub, RunInstanceId.For(run.Key));
        var history = await runs.ReadHistoryAsync(run.Key);

        var ends = history.Where(t => t.From == TaskInstanceState.Running).Select(t => (t.TaskId, t.TryNumber, t.To)).ToList();
        Assert.Equal([("flaky", 1, TaskInstanceState.UpForRetry), ("flaky", 2, TaskInstanceState.Success)], ends);
        Assert.All(history, t => Assert.Equal(-1, t.MapIndex));
        Assert.Equal(DagRunState.Success, (await runs.LoadAsync(run.Key))!.Run.State);
    }

    [Fact]
    public async Task ApplyAsync_MarkOnARunningInstance_TheNextReadShowsTheMark()
    {
        var dag = Dag.Create("hub_confirm").Task("a", _ => { }).Task("b", _ => { }, after: ["a"]).Build();
        await using var hub = await StartAsync(dag);
        var run = OrchestrationHost.Run(dag);
        await hub.Runs.CreateRunAsync(dag, run, start: false); // queued: the instance runs and waits for RunStarted
        var markA = new TaskStateSet { EventId = "mark-a", Task = new TaskInstanceKey("a"), State = TaskInstanceState.Failed, At = DateTimeOffset.UtcNow };
        var markB = new TaskStateSet { EventId = "mark-b", Task = new TaskInstanceKey("b"), State = TaskInstanceState.Skipped, At = DateTimeOffset.UtcNow };

        var returned = await hub.Runs.ApplyAsync(run.Key, [markA]);
        var readA = await hub.Runs.LoadAsync(run.Key);
        await hub.Runs.ApplyAsync(run.Key, [markB]);
        var readB = await hub.Runs.LoadAsync(run.Key);
        var status = (await OrchestratedRuns.GetAsync(hub.Client, run.Key))!.Value.Status!;

        Assert.Equal(TaskInstanceState.Failed, returned.Find(new TaskInstanceKey("a"))!.State);
        Assert.Equal(TaskInstanceState.Failed, readA!.Find(new TaskInstanceKey("a"))!.State);
        Assert.Equal(TaskInstanceState.Skipped, readB!.Find(new TaskInstanceKey("b"))!.State);
        Assert.Equal(["mark-a", "mark-b"], status.Received);
    }

    [Fact]
    public async Task ApplyAsync_MarkARunningTaskSuccess_TheTryIsStoppedAndTheInstanceCompletes()
    {
        var stopped = new TaskCompletionSource();
        var dag = Dag.Create("hub_mark_running")
            .Task("wait", async ctx =>
            {
                using var _ = ctx.CancellationToken.Register(() => stopped.TrySetResult());
                await Task.Delay(TimeSpan.FromMinutes(5), ctx.CancellationToken);
            })
            .Task("after", _ => "done", after: ["wait"])
            .Build();
        await using var hub = await StartAsync(TimeSpan.FromMilliseconds(300), dag);
        var run = OrchestrationHost.Run(dag);
        await hub.Runs.CreateRunAsync(dag, run);
        var instanceId = RunInstanceId.For(run.Key);
        await HistoryUntilAsync(hub, instanceId, h => h.OfType<TaskScheduledEvent>().Any(e => e.Name == "RunTaskAttempt"));

        var marked = await hub.Runs.ApplyAsync(run.Key, [new TaskStateSet { EventId = "mark-wait", Task = new TaskInstanceKey("wait"), State = TaskInstanceState.Success, At = DateTimeOffset.UtcNow }]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var completed = await hub.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);

        Assert.Equal(TaskInstanceState.Success, marked.Find(new TaskInstanceKey("wait"))!.State);
        Assert.True(stopped.Task.IsCompleted);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, completed.RuntimeStatus);
        Assert.Equal(DagRunState.Success, (await hub.Runs.LoadAsync(run.Key))!.Run.State);
    }

    private static async Task<IList<HistoryEvent>> HistoryUntilAsync(AzureStorageTaskHub hub, string instanceId, Func<IList<HistoryEvent>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var history = await hub.Client.GetOrchestrationHistoryAsync(instanceId);
            if (done(history))
            {
                return history;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{instanceId}'s history has {history.Count} events, not the one awaited");
            await Task.Delay(50);
        }
    }

    private static async Task<OrchestrationMetadata> CompletedAsync(AzureStorageTaskHub hub, string instanceId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await hub.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
    }
}
