using Gale.Cleanup;
using Gale.Dags;
using Gale.Engine;
using Gale.Orchestration.InProcess;
using Gale.Runs;

namespace Gale.Core.Tests.Triggers;

public sealed class CleanupTests
{
    private static DagRun Run(Dag dag) => new() { DagId = dag.DagId, RunId = "manual__c", QueuedAt = DateTimeOffset.UtcNow };

    [Fact]
    public async Task Cleanup_RunFails_WaitsForEveryTaskThenDeletesWhatWasRegisteredAndTheRunStaysFailed()
    {
        var root = Directory.CreateTempSubdirectory("gale-cleanup-").FullName;
        try
        {
            var callbackArgs = new List<string?>();
            var dag = Dag.Create("with_cleanup")
                .With(s => s with { CleanupCallbacks = new Dictionary<string, Func<Gale.Execution.TaskContext, string?, Task>> { ["drop_view"] = (_, arg) => { callbackArgs.Add(arg); return Task.CompletedTask; } } })
                .Task("stage", async ctx =>
                {
                    Directory.CreateDirectory(Path.Combine(root, "scratch", ctx.RunId));
                    await File.WriteAllTextAsync(Path.Combine(root, "scratch", ctx.RunId, "part-0.csv"), "x");
                    await ctx.RegisterCleanupAsync(CleanupKind.BlobPrefix, "scratch", ctx.RunId + "/");
                    await ctx.RegisterCleanupAsync(CleanupKind.Callback, "drop_view", argument: "v_" + ctx.RunId);
                })
                .Task("transform", _ => throw new InvalidOperationException("bad data"), after: "stage")
                .Task("publish", _ => { }, after: "transform")
                .Cleanup()
                .Build();
            var services = new TaskServices { Artifacts = new LocalArtifactStore(root) };
            await File.WriteAllTextAsync(Path.Combine(root, "keep.txt"), "not registered");

            var result = await DagTestRunner.RunAsync(dag, Run(dag), new DagTestOptions { Services = services });

            var states = result.Snapshot.Tasks.Values.ToDictionary(t => t.TaskId, t => t.State);
            Assert.Equal(DagRunState.Failed, result.Snapshot.Run.State);
            Assert.Equal((TaskInstanceState.Failed, TaskInstanceState.UpstreamFailed, TaskInstanceState.Success), (states["transform"], states["publish"], states["cleanup"]));
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "scratch"), "*", SearchOption.AllDirectories));
            Assert.True(File.Exists(Path.Combine(root, "keep.txt")));
            Assert.Equal(["v_manual__c"], callbackArgs);
            Assert.Empty(dag.GetTask("cleanup").Upstream);
            Assert.Empty(dag.Downstream("cleanup"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Cleanup_DeletionFails_FailsTheCleanupAndTheRun()
    {
        var dag = Dag.Create("cleanup_fails")
            .Task("stage", async ctx => await ctx.RegisterCleanupAsync(CleanupKind.Callback, "missing_callback"))
            .Cleanup()
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        Assert.Equal(DagRunState.Failed, result.Snapshot.Run.State);
        Assert.Contains("the DAG has no cleanup callback 'missing_callback'", result.Snapshot.Find(new("cleanup"))!.Message, StringComparison.Ordinal);
        Assert.Equal(TaskInstanceState.Success, result.Snapshot.Find(new("stage"))!.State);
    }

    [Fact]
    public async Task Cleanup_YamlDagLevelFlag_AddsAnUnconnectedTaskThatWaitsForTheOthers()
    {
        var dag = Gale.Yaml.YamlDagLoader.Load("c.yaml", """
            dag_id: yaml_cleanup
            cleanup: true
            tasks:
              - {id: a, operator: shell, command: "sleep 0.2"}
              - {id: b, operator: shell, command: "exit 3", upstream: [a]}
            """);

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        var cleanup = result.Snapshot.Find(new("cleanup"))!;
        var b = result.Snapshot.Find(new("b"))!;
        Assert.Equal(TaskInstanceState.Success, cleanup.State);
        Assert.True(cleanup.EndDate >= b.EndDate, "cleanup ended before the last task");
        Assert.Equal(DagRunState.Failed, result.Snapshot.Run.State);
        Assert.Throws<Gale.Yaml.YamlDagException>(() => Gale.Yaml.YamlDagLoader.Load("c2.yaml", "dag_id: x\ncleanup: true\ntasks:\n  - {id: cleanup, operator: empty}\n"));
    }
}
