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
    }
}
