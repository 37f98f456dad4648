using System.Collections.Concurrent;
using Gale.Assets;
using Gale.Dags;
using Gale.Engine;
using Gale.InMemory;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Scheduling;

namespace Gale.Core.Tests.Assets;

/// <summary>
/// Asset-scheduled DAGs: the scheduler's tick turns queued asset events into runs, each a Durable Task
/// orchestration on the in-process virtual-time hub, whose tasks read their triggering events.
/// </summary>
public sealed class AssetSchedulingTests
{
    private static readonly Asset A = new("wasb://lake/a/", "a");
    private static readonly Asset B = new("wasb://lake/b/", "b");
    private static readonly Asset C = new("wasb://lake/c/", "c");

    private readonly TaskServices _services = new();
    private readonly InMemoryDagStateStore _states = new();
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<AssetEvent>>> _seen = new();
    private readonly ConcurrentDictionary<string, string> _rendered = new();
    private VirtualTimeTaskHub? _hub;
    private SchedulerHost? _scheduling;

    private Dag Consumer(string expression = "a & (b | c)", int cap = 1000, string? schedule = null) =>
        Dag.Create("consumer", schedule, DateTimeOffset.UtcNow.AddDays(-1))
            .ScheduleOn(expression, A, B, C)
            .With(s => s with { MaxAssetEventsPerRun = cap })
            .Task("read", async ctx =>
            {
                _seen[ctx.RunId] = await ctx.GetTriggeringAssetEventsAsync();
                if (_seen[ctx.RunId].ContainsKey(C.Uri))
                {
                    _rendered[ctx.RunId] = await ctx.RenderAsync("{{ triggering_asset_events['wasb://lake/c/'][0].extra.file }}");
                }
            })
            .Build();

    private VirtualTimeTaskHub Start(params Dag[] dags)
    {
        var bag = new DagBag(dags);
        _hub = new VirtualTimeTaskHub(bag, _services, new SkippingTimeProvider());
        _scheduling = new SchedulerHost(_hub.Runs, bag, _states, _services, _hub.Clock, new SchedulerOptions { Interval = Timeout.InfiniteTimeSpan });
        return _hub;
    }

    private AssetEventPublisher Publisher(params Dag[] dags) => new(_services.AssetEvents, _services.AssetQueue, new DagBag(dags));

    private static AssetEvent E(Asset asset, string id, int second = 0) => new(id, asset.Uri, AssetEventSource.Api, DateTimeOffset.UtcNow.AddSeconds(second));

    private async Task<List<DagRun>> AssetRunsAsync()
    {
        var list = new List<DagRun>();
        await foreach (var run in _hub!.Runs.ListRunsAsync("consumer"))
        {
            if (run.RunType == DagRunType.AssetTriggered)
            {
                list.Add(run);
            }
        }

        return [.. list.OrderBy(r => r.QueuedAt)];
    }

    private async Task TickAsync()
    {
        await Task.Delay(2); // run ids carry the tick's instant
        await _scheduling!.Scheduler.TickAsync();
        await _hub!.RunUntilIdleAsync(); // the runs the tick started run to their end
    }

    [Fact]
    public async Task Tick_ExpressionSatisfied_OneRunWithItsTriggeringEvents_ThenNoneUntilNewEvents()
    {
        var dag = Consumer();
        Start(dag);
        var publish = Publisher(dag);

        await publish.PublishAsync([E(A, "a1")]);
        await TickAsync();
        Assert.Empty(await AssetRunsAsync());

        await publish.PublishAsync([E(C, "c1", 1) with { Extra = """{"file": "c.csv"}""" }, E(B, "unrelated-b", 2) with { AssetUri = "wasb://lake/other/" }]);
        await TickAsync();
        await TickAsync();

        var run = Assert.Single(await AssetRunsAsync());
        Assert.StartsWith("asset_triggered__", run.RunId, StringComparison.Ordinal);
        Assert.Equal(["a1", "c1"], (await _services.AssetQueue.TriggeringEventsAsync(run.Key)).Select(e => e.Id));
        Assert.Empty(await _services.AssetQueue.PendingAsync("consumer"));
        await WaitForAsync(() => _rendered.ContainsKey(run.RunId));
        Assert.Equal(["a1"], _seen[run.RunId][A.Uri].Select(e => e.Id));
        Assert.Equal(["c1"], _seen[run.RunId][C.Uri].Select(e => e.Id));
        Assert.Equal("c.csv", _rendered[run.RunId]);
    }

    [Fact]
    public async Task Publish_SameEventsAgainAfterTheRun_NoSecondRun()
    {
        var dag = Consumer("a");
        Start(dag);
        var publish = Publisher(dag);
        var events = new[] { E(A, "a1"), E(A, "a2") };

        Assert.Equal(2, await publish.PublishAsync(events));
        await TickAsync();
        Assert.Equal(0, await publish.PublishAsync(events)); // a watcher that crashed before its watermark moved
        await TickAsync();

        Assert.Single(await AssetRunsAsync());
    }

    [Fact]
    public async Task Tick_ClaimWhoseRunWasNeverCreated_ReleasedAndConsumedByANewRun()
    {
        var dag = Consumer("a");
        Start(dag);
        await Publisher(dag).PublishAsync([E(A, "a1")]);
        var pending = await _services.AssetQueue.PendingAsync("consumer");
        Assert.True(await _services.AssetQueue.ClaimAsync("consumer", "asset_triggered__crashed", pending)); // the tick died here

        await TickAsync();

        var run = Assert.Single(await AssetRunsAsync());
        Assert.NotEqual("asset_triggered__crashed", run.RunId);
        Assert.Equal(["a1"], (await _services.AssetQueue.TriggeringEventsAsync(run.Key)).Select(e => e.Id));
    }

    [Fact]
    public async Task Tick_ClaimWhoseRunExists_CompletedWithoutASecondRun()
    {
        var dag = Consumer("a");
        var host = Start(dag);
        await Publisher(dag).PublishAsync([E(A, "a1")]);
        var pending = await _services.AssetQueue.PendingAsync("consumer");
        var crashed = new DagRun { DagId = "consumer", RunId = "asset_triggered__crashed", RunType = DagRunType.AssetTriggered, QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow };
        Assert.True(await _services.AssetQueue.ClaimAsync("consumer", crashed.RunId, pending));
        await host.Runs.CreateRunAsync(dag, crashed, start: false); // the tick died after creating the run

        await TickAsync();
        await TickAsync();

        Assert.Equal(["asset_triggered__crashed"], (await AssetRunsAsync()).Select(r => r.RunId));
        Assert.Empty(await _services.AssetQueue.PendingAsync("consumer"));
    }

    [Fact]
    public async Task Create_TwoSchedulersPlanTheSameEventsAtOnce_OneRun()
    {
        var dag = Consumer("a");
        var host = Start(dag);
        var oldest = E(A, "a1");
        await Publisher(dag).PublishAsync([oldest, E(A, "a2", 1)]);

        // One of them outlived its lease: nothing but the queue keeps them apart.
        var created = await Task.WhenAll(
            Task.Run(() => AssetTriggeredRuns.CreateAsync(host.Runs, _services.AssetQueue, dag, DateTimeOffset.UtcNow, default)),
            Task.Run(() => AssetTriggeredRuns.CreateAsync(host.Runs, _services.AssetQueue, dag, DateTimeOffset.UtcNow.AddSeconds(1), default)));
        await TickAsync();

        var run = Assert.Single(await AssetRunsAsync());
        Assert.Equal(AssetTriggeredRuns.RunIdFor(oldest), run.RunId);
        Assert.Empty(await _services.AssetQueue.PendingAsync("consumer"));
    }

    [Fact]
    public async Task Tick_PausedDag_EventsWaitAndTriggerAfterUnpause()
    {
        var dag = Consumer("a");
        Start(dag);
        await Scheduler.SetPausedAsync(_states, "consumer", paused: true);
        await Publisher(dag).PublishAsync([E(A, "a1")]);

        await TickAsync();
        Assert.Empty(await AssetRunsAsync());

        await Scheduler.SetPausedAsync(_states, "consumer", paused: false);
        await TickAsync();
        Assert.Single(await AssetRunsAsync());
    }

    [Fact]
    public async Task Tick_CapPerRun_RestGoesToTheNextRuns()
    {
        var dag = Consumer("a", cap: 2);
        Start(dag);
        await Publisher(dag).PublishAsync([.. Enumerable.Range(1, 5).Select(i => E(A, $"a{i}", i))]);

        for (var i = 0; i < 4; i++)
        {
            await TickAsync();
        }

        var runs = await AssetRunsAsync();
        var taken = new List<string[]>();
        foreach (var run in runs)
        {
            taken.Add([.. (await _services.AssetQueue.TriggeringEventsAsync(run.Key)).Select(e => e.Id)]);
        }

        Assert.Equal([["a1", "a2"], ["a3", "a4"], ["a5"]], taken);
    }

    [Fact]
    public async Task Tick_TimetableOrAssets_BothCreateRuns()
    {
        var dag = Consumer("a", schedule: "@hourly");
        Start(dag);
        await Publisher(dag).PublishAsync([E(A, "a1")]);

        await TickAsync();

        var types = new List<DagRunType>();
        await foreach (var run in _hub!.Runs.ListRunsAsync("consumer"))
        {
            types.Add(run.RunType);
        }

        Assert.Contains(DagRunType.Scheduled, types);
        Assert.Contains(DagRunType.AssetTriggered, types);
        Assert.Equal("@hourly or assets: wasb://lake/a/", dag.ScheduleDescription);
    }

    [Fact]
    public async Task Outlet_ProducerSucceeds_ConsumerRuns()
    {
        var producer = Dag.Create("producer").Task("load", _ => { }, options: new TaskOptions { Outlets = [A] }).Build();
        var consumer = Consumer("a");
        var host = Start(producer, consumer);

        await host.Runs.CreateRunAsync(producer, new DagRun { DagId = "producer", RunId = "manual__1", QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });
        await host.RunUntilIdleAsync();
        await WaitForAsync(async () => (await _services.AssetQueue.PendingAsync("consumer")).Count == 1);
        await TickAsync();

        var run = Assert.Single(await AssetRunsAsync());
        var e = Assert.Single(await _services.AssetQueue.TriggeringEventsAsync(run.Key));
        Assert.Equal(("producer", "load"), (e.SourceDagId, e.SourceTaskId));
    }

    private static Task WaitForAsync(Func<bool> condition) => WaitForAsync(() => Task.FromResult(condition()));

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < until, "timed out");
            await Task.Delay(20);
        }
    }
}
