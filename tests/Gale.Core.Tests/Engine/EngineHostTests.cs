using System.Collections.Concurrent;
using Gale.Dags;
using Gale.Engine;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Core.Tests.Engine;

public sealed class EngineHostTests
{
    private static Dag FanOutFanIn(int width, ConcurrentDictionary<string, int> executions)
    {
        // The engine's throughput is under test here, not max_active_tasks (Airflow's default of 16).
        var builder = Dag.Create($"fan{width}").With(s => s with { MaxActiveTasks = width + 2 }).Task("start", ctx => Count(executions, ctx.TaskId));
        var middle = Enumerable.Range(0, width).Select(i => $"t{i:D4}").ToArray();
        foreach (var id in middle)
        {
            builder.Task(id, ctx => Count(executions, ctx.TaskId), after: "start");
        }

        return builder.Task("end", ctx => Count(executions, ctx.TaskId), after: middle).Build();
    }

    private static void Count(ConcurrentDictionary<string, int> executions, string taskId) => executions.AddOrUpdate(taskId, 1, (_, n) => n + 1);

    [Fact]
    public async Task FanOutFanIn_1000Tasks_TwoHostsRacing_EveryTaskRunsOnce()
    {
        var executions = new ConcurrentDictionary<string, int>();
        var dag = FanOutFanIn(1000, executions);
        await using var harness = new EngineHarness(dag);
        var first = harness.StartHost();
        harness.StartHost();

        var state = await harness.TriggerAndWaitAsync(first, dag);

        Assert.Equal(DagRunState.Success, state);
        Assert.Equal(1002, executions.Count);
        Assert.All(executions, e => Assert.Equal(1, e.Value));
        var snapshot = (await harness.Store.LoadAsync(new RunKey(dag.DagId, "manual__1")))!;
        Assert.All(snapshot.Tasks.Values, t => Assert.Equal((TaskInstanceState.Success, 1), (t.State, t.TryNumber)));
    }

    [Fact]
    public async Task EveryMessageDeliveredTwice_NoTaskRecordedTwice()
    {
        var executions = new ConcurrentDictionary<string, int>();
        var dag = Dag.Create("dup")
            .Task("a", ctx => Count(executions, ctx.TaskId))
            .Task("b", ctx => Count(executions, ctx.TaskId), after: "a")
            .Task("c", ctx => Count(executions, ctx.TaskId), after: "a")
            .Task("flaky", ctx =>
            {
                Count(executions, ctx.TaskId);
                if (ctx.TryNumber == 1)
                {
                    throw new InvalidOperationException("retry me");
                }
            }, after: ["b", "c"], options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.FromMilliseconds(100) })
            .Build();
        await using var harness = new EngineHarness(dag) { TasksWrapper = new DuplicatingWrapper() };
        var host = harness.StartHost(new EngineOptions { Lease = TimeSpan.FromSeconds(5), RunReadyTasksLocally = false });
        harness.StartHost(new EngineOptions { Lease = TimeSpan.FromSeconds(5), RunReadyTasksLocally = false });

        var state = await harness.TriggerAndWaitAsync(host, dag);

        Assert.Equal(DagRunState.Success, state);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = 1, ["c"] = 1, ["flaky"] = 2 }, executions.ToDictionary());
        var flaky = (await harness.Store.LoadAsync(new RunKey("dup", "manual__1")))!.Find(new("flaky"))!;
        Assert.Equal((TaskInstanceState.Success, 2), (flaky.State, flaky.TryNumber));
    }

    [Fact]
    public async Task WorkerVanishesMidTask_AttemptBecomesZombieAndIsRetried()
    {
        var dag = Dag.Create("zombie").Task("work", _ => { }, options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.Zero }).Build();
        await using var harness = new EngineHarness(dag);
        var options = new EngineOptions { Lease = TimeSpan.FromSeconds(1) };
        var ghost = new RunEngine(harness.Store, harness.Dags, harness.Tasks, harness.Control, TimeProvider.System, options with { WorkerId = "ghost" });
        var run = new DagRun { DagId = "zombie", RunId = "manual__z", QueuedAt = DateTimeOffset.UtcNow };
        var done = harness.Finished.GetOrAdd(run.Key, _ => new());
        await ghost.CreateRunAsync(dag, run);
        // The ghost worker takes the attempt, records its start and dies without heartbeating or deleting the message.
        var held = Assert.Single(await harness.Tasks.ReceiveAsync(1, options.Lease));
        await ghost.ApplyAsync(run.Key, [new TaskStarted { EventId = "ghost-start", Task = new("work"), TryNumber = 1, WorkerId = "ghost", At = DateTimeOffset.UtcNow }]);

        harness.StartHost(options);
        var state = await done.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var ti = (await harness.Store.LoadAsync(run.Key))!.Find(new("work"))!;
        Assert.Equal(DagRunState.Success, state);
        Assert.Equal(2, ti.TryNumber);
        Assert.NotEqual("ghost", ti.WorkerId);
        Assert.NotNull(held);
    }

    [Fact]
    public async Task StopAsync_AttemptInFlight_ReleasedAndFinishedByAnotherHost()
    {
        var firstStarted = new TaskCompletionSource();
        var calls = 0;
        var dag = Dag.Create("release").Task("long", async ctx =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                firstStarted.SetResult();
                await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            }
        }).Build();
        await using var harness = new EngineHarness(dag);
        var first = harness.StartHost();
        var run = new DagRun { DagId = "release", RunId = "manual__r", QueuedAt = DateTimeOffset.UtcNow };
        var done = harness.Finished.GetOrAdd(run.Key, _ => new());
        await first.Engine.CreateRunAsync(dag, run);
        await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await first.StopAsync();
        var released = (await harness.Store.LoadAsync(run.Key))!.Find(new("long"))!;
        harness.StartHost();
        var state = await done.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((TaskInstanceState.Queued, 1), (released.State, released.TryNumber));
        Assert.Equal(DagRunState.Success, state);
        Assert.Equal(2, calls);
        Assert.Equal(1, (await harness.Store.LoadAsync(run.Key))!.Find(new("long"))!.TryNumber);
    }

    [Fact]
    public async Task StopAsync_AttemptStartedLocallyBeforePolling_StillReleased()
    {
        var started = new TaskCompletionSource();
        var dag = Dag.Create("early").Task("long", async ctx =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
        }).Build();
        await using var harness = new EngineHarness(dag);
        // Not started: the attempt can only begin through the local fast path, before any polling loop exists.
        await using var host = new EngineHost(harness.Store, harness.Dags, harness.Tasks, harness.Control, new TaskServices { XComs = harness.XComs }, TimeProvider.System, new EngineOptions { Lease = TimeSpan.FromSeconds(5) });
        var run = new DagRun { DagId = "early", RunId = "manual__e", QueuedAt = DateTimeOffset.UtcNow };
        await host.Engine.CreateRunAsync(dag, run);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        TaskInstance? ti = null;
        for (var i = 0; i < 100 && ti?.State != TaskInstanceState.Queued; i++)
        {
            await Task.Delay(50);
            ti = (await harness.Store.LoadAsync(run.Key))!.Find(new("long"));
        }

        Assert.Equal((TaskInstanceState.Queued, 1), (ti!.State, ti.TryNumber));
    }
}
