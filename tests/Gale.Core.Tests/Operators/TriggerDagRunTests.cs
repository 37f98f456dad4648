using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Execution;
using Gale.Operators;
using Gale.Orchestration.InProcess;
using Gale.Runs;

namespace Gale.Core.Tests.Operators;

public sealed class TriggerDagRunTests
{
    private static DagRun Run(Dag dag) => new()
    {
        DagId = dag.DagId,
        RunId = "manual__parent",
        LogicalDate = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero),
        QueuedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task Execute_WaitForCompletion_RunsChildWithRenderedConfAndWaitsForIt()
    {
        string? childSaw = null;
        var child = Dag.Create("child")
            .Param("source", DagParam.WithDefault("none", ParamType.String))
            .Task("work", ctx => { childSaw = $"{ctx.Param<string>("source")}@{ctx.LogicalDate:yyyy-MM-dd}"; })
            .Build();
        var parent = Dag.Create("parent")
            .Task("trigger", new TriggerDagRunOperator("child")
            {
                Conf = """{"source": "parent-{{ ds }}"}""",
                LogicalDate = "{{ ds }}T12:00:00+00:00",
                TriggerRunId = "from_parent__{{ ds_nodash }}",
                WaitForCompletion = true,
                PokeInterval = TimeSpan.FromSeconds(2),
            })
            .Build();

        var result = await DagTestRunner.RunAsync(parent, Run(parent), new DagTestOptions { Dags = new DagBag([parent, child]) });

        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        Assert.Equal("parent-2024-06-01@2024-06-01", childSaw);
        var runId = JsonSerializer.Deserialize<string>((await result.XComs.GetAsync(new XComKey("parent", "manual__parent", "trigger", -1, "trigger_run_id")))!);
        Assert.Equal("from_parent__20240601", runId);
        var log = await result.Services.Logs.ReadAsync(new Gale.Logs.TaskLogKey("parent", "manual__parent", "trigger", -1, 1));
        Assert.Contains("Triggered DAG child", log, StringComparison.Ordinal); // the first part of the try, before it deferred
        Assert.Contains("Pausing task as DEFERRED on a dag_run_state trigger", log, StringComparison.Ordinal);
        Assert.Contains("Resuming after deferral in execute_complete", log, StringComparison.Ordinal);
        Assert.Contains("child run from_parent__20240601 finished: success", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_WaitNotDeferrable_PollsOnTheWorker()
    {
        var child = Dag.Create("child_polled").Task("work", _ => { }).Build();
        var parent = Dag.Create("parent_polling")
            .Task("trigger", new TriggerDagRunOperator("child_polled") { WaitForCompletion = true, Deferrable = false, PokeInterval = TimeSpan.FromSeconds(1) })
            .Build();

        var result = await DagTestRunner.RunAsync(parent, Run(parent), new DagTestOptions { Dags = new DagBag([parent, child]) });

        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        var log = await result.Services.Logs.ReadAsync(new Gale.Logs.TaskLogKey("parent_polling", "manual__parent", "trigger", -1, 1));
        Assert.DoesNotContain("DEFERRED", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_ChildFails_FailsTheWaitingTask()
    {
        var child = Dag.Create("child_fails").Task("boom", _ => throw new InvalidOperationException("no")).Build();
        var parent = Dag.Create("parent_of_failure")
            .Task("trigger", new TriggerDagRunOperator("child_fails") { WaitForCompletion = true, PokeInterval = TimeSpan.FromSeconds(1) })
            .Build();

        var result = await DagTestRunner.RunAsync(parent, Run(parent), new DagTestOptions { Dags = new DagBag([parent, child]) });

        var ti = result.Snapshot.Find(new("trigger"))!;
        Assert.Equal(TaskInstanceState.Failed, ti.State);
        Assert.Contains("child_fails failed with failed state failed", ti.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_InvalidConfOrUnknownDag_FailsWithEveryProblem()
    {
        var child = Dag.Create("strict_child")
            .Param("count", DagParam.WithDefault(1, ParamType.Integer))
            .Task("t", _ => { })
            .Build();
        var parent = Dag.Create("bad_parent")
            .Task("bad_conf", new TriggerDagRunOperator("strict_child") { Conf = """{"count": "many"}""" })
            .Task("unknown", new TriggerDagRunOperator("ghost"))
            .Build();

        var result = await DagTestRunner.RunAsync(parent, Run(parent), new DagTestOptions { Dags = new DagBag([parent, child]) });

        Assert.Contains("conf for DAG 'strict_child' is invalid", result.Snapshot.Find(new("bad_conf"))!.Message, StringComparison.Ordinal);
        Assert.Contains("'count'", result.Snapshot.Find(new("bad_conf"))!.Message, StringComparison.Ordinal);
        Assert.Contains("no DAG 'ghost'", result.Snapshot.Find(new("unknown"))!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_RunIdTaken_FailsOrSkipsAsConfigured()
    {
        var child = Dag.Create("once_child").Task("t", _ => { }).Build();
        var parent = Dag.Create("twice_parent")
            .Task("first", new TriggerDagRunOperator("once_child") { TriggerRunId = "fixed" })
            .Task("again", new TriggerDagRunOperator("once_child") { TriggerRunId = "fixed" }, after: "first")
            .Task("again_skip", new TriggerDagRunOperator("once_child") { TriggerRunId = "fixed", SkipWhenAlreadyExists = true }, after: "first")
            .Build();

        var result = await DagTestRunner.RunAsync(parent, Run(parent), new DagTestOptions { Dags = new DagBag([parent, child]) });

        Assert.Equal(TaskInstanceState.Success, result.Snapshot.Find(new("first"))!.State);
        Assert.Contains("already exists", result.Snapshot.Find(new("again"))!.Message, StringComparison.Ordinal);
        Assert.Equal(TaskInstanceState.Failed, result.Snapshot.Find(new("again"))!.State);
        Assert.Equal(TaskInstanceState.Skipped, result.Snapshot.Find(new("again_skip"))!.State);
    }
}
