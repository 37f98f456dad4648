using System.Collections.Concurrent;
using Gale.Dags;
using Gale.Engine;
using Gale.Runs;
using Gale.Storage.Engine;
using Gale.Storage.Local;

namespace Gale.Storage.Tests.Engine;

/// <summary>The engine on a real Azurite: hosts racing, duplicate delivery, storage outages.</summary>
public sealed class StorageEngineTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly EngineOptions FastOptions = new() { Lease = TimeSpan.FromSeconds(3), MaxPollInterval = TimeSpan.FromMilliseconds(200) };

    // Tests that do not kill anything use a lease long enough that a loaded CI machine never mistakes a slow
    // heartbeat for a dead worker (a 3-second lease did once, failing an attempt as a zombie).
    private static readonly EngineOptions SteadyOptions = FastOptions with { Lease = TimeSpan.FromSeconds(30) };

    /// <summary>An account whose queues and tables are private to one test (Gale's resource names, under a unique account prefix is not possible, so unique names).</summary>
    private sealed record Ports(TableRunStore Store, IMessageQueue Tasks, IMessageQueue Control, TableXComStore XComs);

    private static async Task<Ports> NewPortsAsync(StorageAccountClient account, bool duplicate = false)
    {
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var runs = account.GetTableClient("runs" + suffix);
        var xcomTable = account.GetTableClient("xcom" + suffix);
        var xcomBlobs = account.GetBlobContainerClient("xcom-" + suffix);
        var tasks = account.GetQueueClient("tasks-" + suffix);
        var control = account.GetQueueClient("control-" + suffix);
        await Task.WhenAll(runs.CreateIfNotExistsAsync(), xcomTable.CreateIfNotExistsAsync(), xcomBlobs.CreateIfNotExistsAsync(), tasks.CreateIfNotExistsAsync(), control.CreateIfNotExistsAsync());
        IMessageQueue taskQueue = new StorageMessageQueue(tasks, TimeProvider.System);
        IMessageQueue controlQueue = new StorageMessageQueue(control, TimeProvider.System);
        if (duplicate)
        {
            taskQueue = new DuplicatingQueue(taskQueue);
            controlQueue = new DuplicatingQueue(controlQueue);
        }

        return new Ports(new TableRunStore(runs), taskQueue, controlQueue, new TableXComStore(xcomTable, xcomBlobs));
    }

    private static EngineHost Host(Ports ports, Dag dag, EngineOptions options) =>
        new(ports.Store, new DagBag([dag]), ports.Tasks, ports.Control, new TaskServices { XComs = ports.XComs }, TimeProvider.System, options);

    private static async Task<RunSnapshot> WaitForFinishAsync(IRunStore store, RunKey run, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var snapshot = await store.LoadAsync(run);
            if (snapshot is not null && snapshot.Run.State.IsFinished())
            {
                return snapshot;
            }

            if (DateTime.UtcNow > deadline)
            {
                var tis = snapshot is null ? "no run" : string.Join("; ", snapshot.Tasks.Values.Where(t => !t.State.IsFinished()).Take(10).Select(t => $"{t.Key} {t.State.ToAirflowName()} try {t.TryNumber}"));
                throw new TimeoutException($"Run {run} did not finish in {timeout}: {tis}");
            }

            await Task.Delay(200);
        }
    }

    private static void AssertEachTaskSucceededOnce(IReadOnlyList<TaskTransition> history, Dag dag)
    {
        var successes = history.Where(t => t.To == TaskInstanceState.Success).GroupBy(t => t.TaskId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(dag.TopologicalOrder.Count, successes.Count);
        Assert.All(successes, s => Assert.Equal(1, s.Value));
    }

    private static DagRun NewRun(Dag dag, string runId = "manual__it") => new() { DagId = dag.DagId, RunId = runId, QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow };

    [Fact]
    public async Task TwoHostsRacing_FanOutFanIn_EveryTaskSucceedsOnce()
    {
        var executions = new ConcurrentDictionary<string, int>();
        var builder = Dag.Create("race").Task("start", ctx => executions.AddOrUpdate(ctx.TaskId, 1, (_, n) => n + 1));
        var middle = Enumerable.Range(0, 150).Select(i => $"m{i:D3}").ToArray();
        foreach (var id in middle)
        {
            builder.Task(id, ctx => executions.AddOrUpdate(ctx.TaskId, 1, (_, n) => n + 1), after: "start");
        }

        var dag = builder.Task("end", ctx => executions.AddOrUpdate(ctx.TaskId, 1, (_, n) => n + 1), after: middle).Build();
        var ports = await NewPortsAsync(azurite.Account);
        await using var one = Host(ports, dag, SteadyOptions);
        await using var two = Host(ports, dag, SteadyOptions);
        one.Start();
        two.Start();

        await one.Engine.CreateRunAsync(dag, NewRun(dag));
        var final = await WaitForFinishAsync(ports.Store, new RunKey(dag.DagId, "manual__it"), TimeSpan.FromMinutes(3));

        var failures = string.Join("; ", final.Tasks.Values.Where(t => t.State != TaskInstanceState.Success).Select(t => $"{t.Key} {t.State.ToAirflowName()} {t.Message}"));
        Assert.True(final.Run.State == DagRunState.Success, $"run {final.Run.State}: {failures}");
        Assert.Equal(152, executions.Count);
        Assert.True(executions.All(e => e.Value == 1), "executed more than once: " + string.Join(", ", executions.Where(e => e.Value != 1)));
        AssertEachTaskSucceededOnce(await ports.Store.ReadHistoryAsync(final.Key), dag);
    }

    [Fact]
    public async Task EveryMessageDeliveredTwice_RunSucceedsWithEachTaskRecordedOnce()
    {
        var dag = Dag.Create("twice")
            .Task("a", _ => 1)
            .Task("b", ctx => ctx.XCom.Pull<int>("a") + 1, after: "a")
            .Task("flaky", ctx =>
            {
                if (ctx.TryNumber == 1)
                {
                    throw new InvalidOperationException("first try fails");
                }
            }, after: "b", options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.FromSeconds(1) })
            .Build();
        var ports = await NewPortsAsync(azurite.Account, duplicate: true);
        await using var one = Host(ports, dag, SteadyOptions with { RunReadyTasksLocally = false });
        await using var two = Host(ports, dag, SteadyOptions with { RunReadyTasksLocally = false });
        one.Start();
        two.Start();

        await one.Engine.CreateRunAsync(dag, NewRun(dag));
        var final = await WaitForFinishAsync(ports.Store, new RunKey(dag.DagId, "manual__it"), TimeSpan.FromMinutes(2));

        Assert.Equal(DagRunState.Success, final.Run.State);
        Assert.Equal(2, final.Find(new("flaky"))!.TryNumber);
        AssertEachTaskSucceededOnce(await ports.Store.ReadHistoryAsync(final.Key), dag);
        Assert.Equal("2", await ports.XComs.GetAsync(new Gale.Execution.XComKey("twice", "manual__it", "b", -1, "return_value")));
    }

    [Fact]
    public async Task MappingBranchingAndGroups_OnAzurite_StatesAndResultsStored()
    {
        int[]? collected = null;
        var dag = Dag.Create("authoring")
            .Task("numbers", _ => Enumerable.Range(1, 12).ToArray())
            .Group("work", g => g
                .Task("square", ctx => ctx.Arg<int>("n") * ctx.Arg<int>("n"))
                .Expand("square", MapSource.FromXCom("n", "numbers")))
            .Branch("pick", _ => "keep", after: "work")
            .Task("keep", ctx => { collected = ctx.XCom.PullMapped<int>("work.square").Select(v => v).ToArray(); }, after: "pick")
            .Task("drop", _ => { }, after: "pick")
            .Build();
        var ports = await NewPortsAsync(azurite.Account);
        await using var host = Host(ports, dag, SteadyOptions);
        host.Start();

        await host.Engine.CreateRunAsync(dag, NewRun(dag));
        var final = await WaitForFinishAsync(ports.Store, new RunKey(dag.DagId, "manual__it"), TimeSpan.FromMinutes(2));

        Assert.Equal(DagRunState.Success, final.Run.State);
        Assert.Equal(Enumerable.Range(0, 12), final.Tasks.Keys.Where(k => k.TaskId == "work.square").Select(k => k.MapIndex).Order());
        Assert.DoesNotContain(new TaskInstanceKey("work.square", -1), final.Tasks.Keys);
        Assert.Equal(TaskInstanceState.Skipped, final.Find(new("drop"))!.State);
        Assert.Equal(Enumerable.Range(1, 12).Select(n => n * n), collected!);
    }

    [Fact]
    public async Task AzuriteStoppedAndRestartedMidRun_RunCompletes()
    {
        await using var server = await AzuriteServer.StartAsync();
        var options = new StorageClientOptions();
        options.MaxRetries = 2;
        var account = new StorageAccountClient(server.Connection, options);
        var dag = TestDags.SlowChain(account);
        var ports = await NewPortsAsync(account);
        await using var host = Host(ports, dag, FastOptions);
        host.Start();
        var run = new RunKey(dag.DagId, "manual__it");
        await host.Engine.CreateRunAsync(dag, NewRun(dag));
        while ((await ports.Store.LoadAsync(run))!.Tasks.Values.Count(t => t.State == TaskInstanceState.Success) < 3)
        {
            await Task.Delay(100);
        }

        await server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(4));
        await server.RestartAsync();
        var final = await WaitForFinishAsync(ports.Store, run, TimeSpan.FromMinutes(3));

        Assert.Equal(DagRunState.Success, final.Run.State);
        Assert.All(final.Tasks.Values, t => Assert.Equal(TaskInstanceState.Success, t.State));
        AssertEachTaskSucceededOnce(await ports.Store.ReadHistoryAsync(run), dag);
    }

    [Fact]
    public async Task LongDelay_BeyondSevenDays_ChainedUntilDueThenDeliveredOnce()
    {
        var clock = new Gale.InMemory.ManualTimeProvider(DateTimeOffset.UtcNow);
        var raw = await azurite.NewQueueAsync(Azure.Storage.Queues.QueueMessageEncoding.None);
        var chained = await azurite.NewQueueAsync(Azure.Storage.Queues.QueueMessageEncoding.None);
        var queue = new StorageMessageQueue(raw, clock);

        await new StorageMessageQueue(chained, clock).SendAsync("eight days", TimeSpan.FromDays(8));
        // A chained timer whose 7-day leg has elapsed but is due a day later, and one that is due now.
        await raw.SendMessageAsync($"{{\"gale_due\":\"{clock.GetUtcNow().AddDays(1):O}\",\"body\":\"later\"}}");
        var notYet = await queue.ReceiveAsync(32, TimeSpan.FromSeconds(30));
        var rehidden = (await raw.PeekMessagesAsync(32)).Value;
        await raw.SendMessageAsync($"{{\"gale_due\":\"{clock.GetUtcNow().AddSeconds(-1):O}\",\"body\":\"now\"}}");
        var due = await queue.ReceiveAsync(32, TimeSpan.FromSeconds(30));
        var again = await queue.ReceiveAsync(32, TimeSpan.FromSeconds(30));

        Assert.Empty((await chained.PeekMessagesAsync(32)).Value);
        Assert.Equal(1, (await chained.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty(notYet);
        Assert.Empty(rehidden);
        Assert.Equal("now", Assert.Single(due).Body);
        Assert.Empty(again);
    }
}
