using System.Collections.Concurrent;
using Gale.Dags;
using Gale.Engine;
using Gale.InMemory;
using Gale.Orchestration.InProcess;
using Gale.Runs;

namespace Gale.Core.Tests.Runs;

/// <summary>Many runs of one DAG at once, each an orchestration: every run succeeds and every task runs once.</summary>
public sealed class ConcurrentRunsTests
{
    [Fact]
    public async Task HundredConcurrentRuns_AllSucceed_EachTaskOnce()
    {
        var executions = new ConcurrentDictionary<string, int>();
        object? Count(Gale.Execution.TaskContext ctx)
        {
            executions.AddOrUpdate($"{ctx.RunId}/{ctx.TaskId}", 1, (_, n) => n + 1);
            return null;
        }

        var dag = Dag.Create("five")
            .Task("a", Count)
            .Task("b", Count, after: "a")
            .Task("c", Count, after: "a")
            .Task("d", Count, after: ["b", "c"])
            .Task("e", Count, after: "d")
            .Build();
        var clock = new SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(new DagBag([dag]), new TaskServices(), clock);
        var runs = Enumerable.Range(0, 100).Select(i => new DagRun { DagId = "five", RunId = $"manual__{i}", QueuedAt = clock.GetUtcNow(), LogicalDate = clock.GetUtcNow().AddMinutes(i) }).ToList();
        await Task.WhenAll(runs.Select(r => hub.Runs.CreateRunAsync(dag, r)));

        Assert.True(await hub.RunUntilIdleAsync());

        foreach (var run in runs)
        {
            Assert.Equal(DagRunState.Success, (await hub.Runs.LoadAsync(run.Key))!.Run.State);
        }

        Assert.Equal(500, executions.Count);
        Assert.All(executions, e => Assert.Equal(1, e.Value));
    }
}
