using Gale.Dags;
using Gale.Execution;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Core.Tests.Engine;

public sealed class ClearXComTests
{
    [Fact]
    public async Task Clear_FinishedTask_RemovesItsXComsBeforeTheNextTryStarts()
    {
        var seenAtSecondTry = new TaskCompletionSource<string?>();
        EngineHarness? harness = null;
        var dag = Dag.Create("clear_xcom")
            .Task("produce", ctx => ctx.TryNumber == 1 ? "first" : "second", options: new TaskOptions
            {
                // on_execute runs before the try's own XCom cleanup, so it sees what the clear left behind.
                OnExecute = async ctx =>
                {
                    if (ctx.TryNumber == 2)
                    {
                        seenAtSecondTry.TrySetResult(await harness!.XComs.GetAsync(new XComKey("clear_xcom", ctx.RunId, "produce", -1, "return_value")));
                    }
                },
            })
            .Build();
        await using var h = harness = new EngineHarness(dag);
        var host = h.StartHost();
        Assert.Equal(DagRunState.Success, await h.TriggerAndWaitAsync(host, dag, "manual__clear"));
        Assert.Equal("\"first\"", await h.XComs.GetAsync(new XComKey("clear_xcom", "manual__clear", "produce", -1, "return_value")));

        await host.Engine.ApplyAsync(new RunKey("clear_xcom", "manual__clear"), [new TasksCleared { EventId = "clear-1", TaskIds = ["produce"], At = DateTimeOffset.UtcNow }]);

        Assert.Null(await seenAtSecondTry.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
