using Gale.Dags;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Orchestration.Tests;

/// <summary>Runs created, changed and read through <see cref="Gale.Engine.IDagRuns"/> when they are orchestration instances.</summary>
public sealed class OrchestratedDagRunsTests
{
    [Fact]
    public async Task CreateRunAsync_SameRunTwice_OneRunThatSucceeds()
    {
        var calls = 0;
        var dag = Dag.Create("runs_create").Task("t", _ => { Interlocked.Increment(ref calls); }).Build();
        await using var host = await OrchestrationHost.StartAsync(dag);
        var run = OrchestrationHost.Run(dag);

        var (first, created) = await host.Runs.CreateRunAsync(dag, run);
        var (_, again) = await host.Runs.CreateRunAsync(dag, run with { Conf = "{\"again\":1}" });
        await host.WaitAsync(run);

        Assert.True(created);
        Assert.False(again);
        Assert.Equal(DagRunState.Running, first.Run.State);
        Assert.Equal(1, calls);
        var loaded = await host.Runs.LoadAsync(run.Key);
        Assert.Equal(DagRunState.Success, loaded!.Run.State);
        Assert.Equal("{}", loaded.Run.Conf);
    }

    [Fact]
    public async Task CreateRunAsync_NotStarted_StaysQueuedUntilRunStartedIsApplied()
    {
        var calls = 0;
        var dag = Dag.Create("runs_queued").Task("t", _ => { Interlocked.Increment(ref calls); }).Build();
        await using var host = await OrchestrationHost.StartAsync(dag);
        var run = OrchestrationHost.Run(dag);

        var (queued, _) = await host.Runs.CreateRunAsync(dag, run, start: false);
        await Task.Delay(500);
        var stillQueued = await host.Runs.LoadAsync(run.Key);
        var listed = await All(host.Runs.ListRunsAsync(dag.DagId, DagRunState.Queued));
        await host.Runs.ApplyAsync(run.Key, [new RunStarted { EventId = $"start:{run.Key}", At = DateTimeOffset.UtcNow }]);
        var (result, _) = await host.WaitAsync(run);

        Assert.Equal(DagRunState.Queued, queued.Run.State);
        Assert.Equal(DagRunState.Queued, stillQueued!.Run.State);
        Assert.Equal([run.RunId], listed.Select(r => r.RunId));
        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task ApplyAsync_ClearTheFailedTaskOfAFinishedRun_ANewExecutionRunsItAgainAndTheRunSucceeds()
    {
        var calls = 0;
        var callbacks = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var dag = Dag.Create("runs_clear")
            .With(s => s with
            {
                OnSuccessCallback = _ => { callbacks.Enqueue("success"); return Task.CompletedTask; },
                OnFailureCallback = _ => { callbacks.Enqueue("failure"); return Task.CompletedTask; },
            })
            .Task("first", _ => { })
            .Task("flaky", _ =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    throw new InvalidOperationException("first run fails");
                }
            }, after: "first")
            .Build();
        await using var host = await OrchestrationHost.StartAsync(dag);
        var run = OrchestrationHost.Run(dag);
        await host.Runs.CreateRunAsync(dag, run);
        var (failed, _) = await host.WaitAsync(run);

        var returned = await host.Runs.ApplyAsync(run.Key, [new TasksCleared { EventId = "clear:1", TaskIds = ["flaky"], OnlyFailed = true, At = DateTimeOffset.UtcNow }]);
        await WaitForStateAsync(host, run.Key, DagRunState.Success);
        var after = await host.Runs.LoadAsync(run.Key);

        Assert.Equal(DagRunState.Failed, failed.State);
        Assert.Contains(returned.Run.State, new[] { DagRunState.Running, DagRunState.Success }); // the clear decided (the run may be done already)
        Assert.Equal(2, calls);
        Assert.Equal((TaskInstanceState.Success, 2), (after!.Find(new TaskInstanceKey("flaky", -1))!.State, after.Find(new TaskInstanceKey("flaky", -1))!.TryNumber));
        Assert.Equal((TaskInstanceState.Success, 1), (after.Find(new TaskInstanceKey("first", -1))!.State, after.Find(new TaskInstanceKey("first", -1))!.TryNumber));
        Assert.Equal(["failure", "success"], callbacks);
    }

    [Fact]
    public async Task ApplyAsync_MarkAFinishedRunsStateToTheSame_NoNewCallbacks()
    {
        var callbacks = 0;
        var dag = Dag.Create("runs_mark")
            .With(s => s with { OnSuccessCallback = _ => { Interlocked.Increment(ref callbacks); return Task.CompletedTask; } })
            .Task("t", _ => { })
            .Build();
        await using var host = await OrchestrationHost.StartAsync(dag);
        var run = OrchestrationHost.Run(dag);
        await host.Runs.CreateRunAsync(dag, run);
        await host.WaitAsync(run);

        await host.Runs.ApplyAsync(run.Key, [new TaskStateSet { EventId = "mark:1", Task = new TaskInstanceKey("t", -1), State = TaskInstanceState.Success, At = DateTimeOffset.UtcNow }]);
        await host.WaitAsync(run);

        Assert.Equal(1, callbacks);
        Assert.Equal(DagRunState.Success, (await host.Runs.LoadAsync(run.Key))!.Run.State);
    }

    [Fact]
    public async Task ListRunsAsync_ByDagAndState_OnlyThatDagsRunsInThatState()
    {
        var dag = Dag.Create("runs_list").Task("t", _ => { }).Build();
        var other = Dag.Create("runs_list_other").Task("t", _ => { }).Build();
        await using var host = await OrchestrationHost.StartAsync(dag, other);
        foreach (var id in new[] { "a", "b" })
        {
            await host.Runs.CreateRunAsync(dag, OrchestrationHost.Run(dag, id));
            await host.WaitAsync(OrchestrationHost.Run(dag, id));
        }

        await host.Runs.CreateRunAsync(dag, OrchestrationHost.Run(dag, "c"), start: false);
        await host.Runs.CreateRunAsync(other, OrchestrationHost.Run(other, "x"));

        var all = await All(host.Runs.ListRunsAsync(dag.DagId));
        var succeeded = await All(host.Runs.ListRunsAsync(dag.DagId, DagRunState.Success));

        Assert.Equal(["a", "b", "c"], all.Select(r => r.RunId).Order(StringComparer.Ordinal));
        Assert.Equal(["a", "b"], succeeded.Select(r => r.RunId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ApplyAsync_UnknownRun_RunNotFound()
    {
        var dag = Dag.Create("runs_unknown").Task("t", _ => { }).Build();
        await using var host = await OrchestrationHost.StartAsync(dag);

        await Assert.ThrowsAsync<Gale.Engine.RunNotFoundException>(() => host.Runs.ApplyAsync(new RunKey(dag.DagId, "nope"), [new RunStarted { EventId = "s", At = DateTimeOffset.UtcNow }]));
        Assert.Null(await host.Runs.LoadAsync(new RunKey(dag.DagId, "nope")));
    }

    private static async Task<List<DagRun>> All(IAsyncEnumerable<DagRun> runs)
    {
        var list = new List<DagRun>();
        await foreach (var run in runs)
        {
            list.Add(run);
        }

        return list;
    }

    private static async Task WaitForStateAsync(OrchestrationHost host, RunKey run, DagRunState state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await host.Runs.LoadAsync(run))?.Run.State != state)
        {
            Assert.True(DateTime.UtcNow < deadline, $"run {run} never became {state}");
            await Task.Delay(50);
        }
    }
}
