using Gale.Dags;
using Gale.Engine;
using Gale.InMemory;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Triggers;

namespace Gale.Orchestration.Tests;

public sealed class VirtualTimeTaskHubTests
{
    [Fact]
    public async Task RunUntilIdleAsync_ATaskWaitsForAnEventNobodySent_TheClockJumpsToItsTimeoutThenAClearAndTheEventFinishIt()
    {
        var dag = Dag.Create("vt_event")
            .Task("wait", ctx =>
            {
                if (ctx.TriggerEvent is null)
                {
                    ctx.Defer(new ExternalEventTrigger { Name = "go" }, timeout: TimeSpan.FromDays(2));
                }
            })
            .Build();
        var clock = new SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(new DagBag([dag]), new TaskServices(), clock);
        var run = new DagRun { DagId = dag.DagId, RunId = "manual__1", QueuedAt = clock.GetUtcNow(), LogicalDate = clock.GetUtcNow() };
        await hub.Runs.CreateRunAsync(dag, run);

        // Nothing can happen but the deferral's two-day timeout: the clock jumps there and the task fails on it.
        var idle = await hub.RunUntilIdleAsync();
        var timedOut = await hub.Runs.LoadAsync(run.Key);

        Assert.True(idle);
        Assert.True(clock.Skipped > TimeSpan.FromDays(2) - TimeSpan.FromMinutes(1), $"skipped {clock.Skipped}");
        Assert.Equal(DagRunState.Failed, timedOut!.Run.State);

        // The event arrives before the cleared task defers again: the run keeps it until the task waits for it.
        await hub.Runs.ApplyAsync(run.Key, [new TasksCleared { EventId = "clear:1", TaskIds = ["wait"], At = clock.GetUtcNow() }]);
        await hub.Runs.ApplyAsync(run.Key, [new ExternalEventRaised { EventId = "event:1", Name = "go", Data = "{}", At = clock.GetUtcNow() }]);
        Assert.True(await hub.RunUntilIdleAsync());

        var done = await hub.Runs.LoadAsync(run.Key);
        Assert.Equal(DagRunState.Success, done!.Run.State);
        Assert.Equal(2, done.Find(new TaskInstanceKey("wait", -1))!.TryNumber);
        // The cleared run went on in a new execution of its instance: the try before the clear is still listed.
        var tries = (await hub.Runs.ReadHistoryAsync(run.Key)).Where(t => t.TaskId == "wait" && t.From == TaskInstanceState.Running).Select(t => (t.TryNumber, t.To)).ToList();
        Assert.Equal([(1, TaskInstanceState.Failed), (2, TaskInstanceState.Deferred), (2, TaskInstanceState.Success)], tries);
    }

    [Fact]
    public async Task DependsOnPast_ThePreviousRunsTaskFailed_WaitsUntilItSucceedsAndTheRunIsLookedAtAgain()
    {
        var fail = true;
        var dag = Dag.Create("vt_past")
            .Task("load", _ =>
            {
                if (fail)
                {
                    throw new InvalidOperationException("the first run's load fails");
                }
            }, options: new TaskOptions { DependsOnPast = true })
            .Build();
        var clock = new SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(new DagBag([dag]), new TaskServices(), clock);
        var day = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        DagRun Run(int n) => new() { DagId = dag.DagId, RunId = $"scheduled__{n}", RunType = DagRunType.Scheduled, QueuedAt = clock.GetUtcNow(), LogicalDate = day.AddDays(n) };
        var load = new TaskInstanceKey("load", -1);

        await hub.Runs.CreateRunAsync(dag, Run(1));
        await hub.RunUntilIdleAsync();
        await hub.Runs.CreateRunAsync(dag, Run(2));
        await hub.RunUntilIdleAsync();
        var waiting = await hub.Runs.LoadAsync(Run(2).Key);

        fail = false;
        await hub.Runs.ApplyAsync(Run(1).Key, [new TasksCleared { EventId = "clear:1", TaskIds = ["load"], At = clock.GetUtcNow() }]);
        await hub.RunUntilIdleAsync();
        await hub.Runs.ApplyAsync(Run(2).Key, [new RunReevaluate { EventId = "reevaluate:1", At = clock.GetUtcNow() }]);
        await hub.RunUntilIdleAsync();
        var first = await hub.Runs.LoadAsync(Run(1).Key);
        var second = await hub.Runs.LoadAsync(Run(2).Key);

        Assert.Equal((DagRunState.Running, TaskInstanceState.None), (waiting!.Run.State, waiting.Find(load)!.State));
        Assert.Equal((DagRunState.Success, 2), (first!.Run.State, first.Find(load)!.TryNumber));
        Assert.Equal((DagRunState.Success, TaskInstanceState.Success), (second!.Run.State, second.Find(load)!.State));
    }

    [Fact]
    public async Task LoadAsync_TheOrchestrationFailed_TheRunReadsAsFailedAndIsListed()
    {
        var dag = Dag.Create("vt_unloaded").Task("t", _ => { }).Build();
        var clock = new SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(new DagBag([]), new TaskServices(), clock); // the DAG is not loaded on this worker
        var run = new DagRun { DagId = dag.DagId, RunId = "manual__1", QueuedAt = clock.GetUtcNow(), LogicalDate = clock.GetUtcNow() };

        await hub.Runs.CreateRunAsync(dag, run);
        await hub.RunUntilIdleAsync();
        var loaded = await hub.Runs.LoadAsync(run.Key);
        var listed = new List<DagRun>();
        await foreach (var r in hub.Runs.ListRunsAsync(dag.DagId))
        {
            listed.Add(r);
        }

        Assert.Equal(DagRunState.Failed, loaded!.Run.State);
        Assert.Equal([(run.RunId, DagRunState.Failed)], listed.Select(r => (r.RunId, r.State)));
    }

    [Fact]
    public async Task ApplyAsync_AClearWhileTheFailedRunsCallbackRuns_IsNotLostAndTheRunSucceeds()
    {
        var fail = true;
        var callback = new TaskCompletionSource();
        var inCallback = new TaskCompletionSource();
        var dag = Dag.Create("vt_late_clear")
            .With(s => s with { OnFailureCallback = async _ => { inCallback.TrySetResult(); await callback.Task; } })
            .Task("t", _ =>
            {
                if (fail)
                {
                    throw new InvalidOperationException("first try fails");
                }
            })
            .Build();
        var clock = new SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(new DagBag([dag]), new TaskServices(), clock);
        var run = new DagRun { DagId = dag.DagId, RunId = "manual__1", QueuedAt = clock.GetUtcNow(), LogicalDate = clock.GetUtcNow() };
        await hub.Runs.CreateRunAsync(dag, run);
        var driving = hub.RunUntilIdleAsync();
        await inCallback.Task.WaitAsync(TimeSpan.FromSeconds(30));

        fail = false;
        var clearing = hub.Runs.ApplyAsync(run.Key, [new TasksCleared { EventId = "clear:1", TaskIds = ["t"], At = clock.GetUtcNow() }]);
        await Task.Delay(200);
        callback.SetResult();
        await clearing.WaitAsync(TimeSpan.FromSeconds(30));
        await driving;
        await hub.RunUntilIdleAsync();
        var after = await hub.Runs.LoadAsync(run.Key);

        Assert.Equal((DagRunState.Success, 2), (after!.Run.State, after.Find(new TaskInstanceKey("t", -1))!.TryNumber));
    }

    [Fact]
    public async Task DependsOnPast_NothingWaitsOnThePast_ReevaluationsDoNotReadThePreviousRunAgain()
    {
        var dag = Dag.Create("vt_reevaluate")
            .Task("first", _ => { }, options: new TaskOptions { DependsOnPast = true })
            .Task("approve", ctx =>
            {
                if (ctx.TriggerEvent is null)
                {
                    ctx.Defer(new ExternalEventTrigger { Name = "go" }, timeout: TimeSpan.FromDays(1));
                }
            })
            .Build();
        var clock = new SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(new DagBag([dag]), new TaskServices(), clock);
        var run = new DagRun { DagId = dag.DagId, RunId = "manual__1", QueuedAt = clock.GetUtcNow(), LogicalDate = clock.GetUtcNow() };
        await hub.Runs.CreateRunAsync(dag, run);

        // Raised before the first episode runs: the reevaluations arrive while "first" is already under way.
        for (var i = 0; i < 3; i++)
        {
            await hub.Runs.ApplyAsync(run.Key, [new RunReevaluate { EventId = $"reevaluate:{i}", At = clock.GetUtcNow() }]);
        }

        await hub.Runs.ApplyAsync(run.Key, [new ExternalEventRaised { EventId = "event:1", Name = "go", Data = "{}", At = clock.GetUtcNow() }]);
        await hub.RunUntilIdleAsync();
        var history = await hub.Client.GetOrchestrationHistoryAsync(Gale.Orchestration.Runs.RunInstanceId.For(run.Key));

        Assert.Equal(DagRunState.Success, (await hub.Runs.LoadAsync(run.Key))!.Run.State);
        Assert.Equal(3, history.OfType<DurableTask.Core.History.EventRaisedEvent>().Count(e => e.Input!.Contains("run_reevaluate", StringComparison.Ordinal)));
        Assert.Single(history.OfType<DurableTask.Core.History.TaskScheduledEvent>(), e => e.Name == nameof(Gale.Orchestration.Activities.ReadPreviousRun));
    }
}
