using Gale.Dags;
using Gale.Engine;
using Gale.Execution;
using Gale.InMemory;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Core.Tests.Engine;

/// <summary>Clearing a finished task removes its XComs (the orchestrator's ClearTaskData activity) before the next try runs.</summary>
public sealed class ClearXComTests
{
    [Fact]
    public async Task Clear_FinishedTask_RemovesItsXComsBeforeTheNextTryStarts()
    {
        var services = new TaskServices();
        string? seenAtSecondTry = "not run";
        var dag = Dag.Create("clear_xcom")
            .Task("produce", ctx => ctx.TryNumber == 1 ? "first" : "second", options: new TaskOptions
            {
                // on_execute runs before the try's own XCom cleanup, so it sees what the clear left behind.
                OnExecute = async ctx =>
                {
                    if (ctx.TryNumber == 2)
                    {
                        seenAtSecondTry = await services.XComs.GetAsync(new XComKey("clear_xcom", ctx.RunId, "produce", -1, "return_value"));
                    }
                },
            })
            .Build();
        var clock = new SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(new DagBag([dag]), services, clock);
        var run = new DagRun { DagId = "clear_xcom", RunId = "manual__clear", QueuedAt = clock.GetUtcNow(), LogicalDate = clock.GetUtcNow() };
        await hub.Runs.CreateRunAsync(dag, run);
        Assert.True(await hub.RunUntilIdleAsync());
        Assert.Equal(DagRunState.Success, (await hub.Runs.LoadAsync(run.Key))!.Run.State);
        Assert.Equal("\"first\"", await services.XComs.GetAsync(new XComKey("clear_xcom", "manual__clear", "produce", -1, "return_value")));

        await hub.Runs.ApplyAsync(run.Key, [new TasksCleared { EventId = "clear-1", TaskIds = ["produce"], At = clock.GetUtcNow() }]);
        Assert.True(await hub.RunUntilIdleAsync());

        Assert.Null(seenAtSecondTry);
        Assert.Equal("\"second\"", await services.XComs.GetAsync(new XComKey("clear_xcom", "manual__clear", "produce", -1, "return_value")));
    }
}
