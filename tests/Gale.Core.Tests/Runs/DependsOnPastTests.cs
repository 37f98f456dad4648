using Gale.Dags;
using Gale.Engine;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Core.Tests.Runs;

public sealed class DependsOnPastTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Dag Chain(bool waitForDownstream) => Dag.Create("past")
        .Task("a", _ => { }, options: new TaskOptions { DependsOnPast = true, WaitForDownstream = waitForDownstream })
        .Task("b", _ => { }, after: "a")
        .Build();

    private static RunSnapshot Finished(Dag dag, string runId, DateTimeOffset logical, params (string Task, TaskInstanceState State)[] states)
    {
        var s = RunSnapshotFactory.Create(dag, new DagRun { DagId = dag.DagId, RunId = runId, LogicalDate = logical });
        foreach (var (task, state) in states)
        {
            var ti = s.Find(new(task))!;
            s = s with { Tasks = s.Tasks.SetItem(ti.Key, ti with { State = state }) };
        }

        return s;
    }

    private static TaskInstanceState StateOfAAfterStart(Dag dag, RunSnapshot? previous)
    {
        var run = RunSnapshotFactory.Create(dag, new DagRun { DagId = dag.DagId, RunId = "r2", LogicalDate = T0.AddDays(1) });
        var d = RunDecider.Decide(dag, run, [new RunStarted { EventId = "s", At = T0 }], T0, previous);
        Assert.Equal(DagRunState.Running, d.Snapshot.Run.State); // waiting on the past is not a deadlock
        return d.Snapshot.Find(new("a"))!.State;
    }

    [Theory]
    [InlineData(TaskInstanceState.Success, TaskInstanceState.Queued)]
    [InlineData(TaskInstanceState.Skipped, TaskInstanceState.Queued)]
    [InlineData(TaskInstanceState.Failed, TaskInstanceState.None)]
    [InlineData(TaskInstanceState.UpstreamFailed, TaskInstanceState.None)]
    [InlineData(TaskInstanceState.Running, TaskInstanceState.None)]
    public void Decide_DependsOnPast_RunsOnlyWhenThePreviousInstanceSucceededOrSkipped(TaskInstanceState previousA, TaskInstanceState expected)
    {
        var dag = Chain(waitForDownstream: false);

        Assert.Equal(expected, StateOfAAfterStart(dag, Finished(dag, "r1", T0, ("a", previousA), ("b", TaskInstanceState.Failed))));
        Assert.Equal(TaskInstanceState.Queued, StateOfAAfterStart(dag, previous: null)); // the first run has no past
    }

    [Theory]
    [InlineData(TaskInstanceState.Success, TaskInstanceState.Queued)]
    [InlineData(TaskInstanceState.Failed, TaskInstanceState.None)]
    [InlineData(TaskInstanceState.Running, TaskInstanceState.None)]
    public void Decide_WaitForDownstream_AlsoWaitsForThePreviousDownstream(TaskInstanceState previousB, TaskInstanceState expected)
    {
        var dag = Chain(waitForDownstream: true);

        Assert.Equal(expected, StateOfAAfterStart(dag, Finished(dag, "r1", T0, ("a", TaskInstanceState.Success), ("b", previousB))));
    }

    [Fact]
    public async Task Orchestrator_PreviousRunFixedByClear_WaitingRunContinuesOnReevaluate()
    {
        var failFirst = 1;
        var dag = Dag.Create("past_engine")
            .Task("a", _ =>
            {
                if (Interlocked.Exchange(ref failFirst, 0) == 1)
                {
                    throw new InvalidOperationException("first run fails");
                }
            }, options: new TaskOptions { DependsOnPast = true })
            .Build();
        var clock = new Gale.InMemory.SkippingTimeProvider();
        var hub = new Gale.Orchestration.InProcess.VirtualTimeTaskHub(new DagBag([dag]), new TaskServices(), clock);
        var first = new DagRun { DagId = "past_engine", RunId = "scheduled__1", LogicalDate = T0, QueuedAt = T0 };
        var second = new DagRun { DagId = "past_engine", RunId = "scheduled__2", LogicalDate = T0.AddDays(1), QueuedAt = T0 };

        await hub.Runs.CreateRunAsync(dag, first);
        await hub.RunUntilIdleAsync();
        Assert.Equal(DagRunState.Failed, (await hub.Runs.LoadAsync(first.Key))!.Run.State);
        await hub.Runs.CreateRunAsync(dag, second);
        await hub.RunUntilIdleAsync();
        Assert.Equal(TaskInstanceState.None, (await hub.Runs.LoadAsync(second.Key))!.Find(new("a"))!.State);

        await hub.Runs.ApplyAsync(first.Key, [new TasksCleared { EventId = "fix", TaskIds = ["a"], At = clock.GetUtcNow() }]);
        await hub.RunUntilIdleAsync();
        Assert.Equal(DagRunState.Success, (await hub.Runs.LoadAsync(first.Key))!.Run.State);
        await hub.Runs.ApplyAsync(second.Key, [new RunReevaluate { EventId = "tick", At = clock.GetUtcNow() }]);
        Assert.True(await hub.RunUntilIdleAsync());

        Assert.Equal(DagRunState.Success, (await hub.Runs.LoadAsync(second.Key))!.Run.State);
    }
}
