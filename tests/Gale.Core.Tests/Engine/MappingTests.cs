using Gale.Dags;
using Gale.Orchestration.InProcess;
using Gale.Runs;

namespace Gale.Core.Tests.Engine;

public sealed class MappingTests
{
    private static async Task<RunSnapshot> RunAsync(Dag dag) =>
        (await DagTestRunner.RunAsync(dag, new DagRun { DagId = dag.DagId, RunId = "manual__m", QueuedAt = DateTimeOffset.UtcNow })).Snapshot;

    [Fact]
    public async Task Expand_LiteralList_OneInstancePerElementAndDownstreamPullsInOrder()
    {
        int[]? collected = null;
        var dag = Dag.Create("literal")
            .Task("double", ctx => ctx.Arg<int>("n") * 2)
            .Expand("double", MapSource.Literal("n", 1, 2, 3))
            .Task("collect", ctx => { collected = ctx.XCom.PullMapped<int>("double").ToArray(); }, after: "double")
            .Build();

        var snapshot = await RunAsync(dag);

        Assert.Equal(DagRunState.Success, snapshot.Run.State);
        Assert.Equal([0, 1, 2], snapshot.Tasks.Keys.Where(k => k.TaskId == "double").Select(k => k.MapIndex));
        Assert.Equal([2, 4, 6], collected!);
    }

    [Fact]
    public async Task Expand_UpstreamXComList_ExpandsAtRunTime()
    {
        var total = 0;
        var dag = Dag.Create("from_xcom")
            .Task("list", _ => new[] { 10, 20, 30, 40 })
            .Task("inc", ctx => ctx.Arg<int>("v") + 1)
            .Expand("inc", MapSource.FromXCom("v", "list"))
            .Task("sum", ctx => { total = ctx.XCom.PullMapped<int>("inc").Sum(); }, after: "inc")
            .Build();

        var snapshot = await RunAsync(dag);

        Assert.Equal(4, snapshot.Tasks.Keys.Count(k => k.TaskId == "inc"));
        Assert.Equal(104, total);
        Assert.Equal(["list"], dag.GetTask("inc").Upstream);
    }

    [Fact]
    public async Task Expand_TwoArguments_CrossProductFirstArgumentSlowest()
    {
        string[]? pairs = null;
        var dag = Dag.Create("product")
            .Task("pair", ctx => $"{ctx.Arg<int>("x")}{ctx.Arg<string>("y")}")
            .Expand("pair", MapSource.Literal("x", 1, 2), MapSource.Literal("y", "a", "b"))
            .Task("collect", ctx => { pairs = ctx.XCom.PullMapped<string>("pair").Select(p => p!).ToArray(); }, after: "pair")
            .Build();

        await RunAsync(dag);

        Assert.Equal(["1a", "1b", "2a", "2b"], pairs!);
    }

    [Fact]
    public async Task ExpandKwargs_ListOfObjects_ZipsArguments()
    {
        int[]? sums = null;
        var dag = Dag.Create("kwargs")
            .Task("params", _ => new[] { new { a = 1, b = 2 }, new { a = 10, b = 20 } })
            .Task("add", ctx => ctx.Arg<int>("a") + ctx.Arg<int>("b"))
            .ExpandKwargs("add", MapSource.FromXCom("kwargs", "params"))
            .Task("collect", ctx => { sums = ctx.XCom.PullMapped<int>("add").ToArray(); }, after: "add")
            .Build();

        await RunAsync(dag);

        Assert.Equal([3, 30], sums!);
    }

    [Fact]
    public async Task Expand_EmptyList_TaskSkippedAndDownstreamSkipped()
    {
        var dag = Dag.Create("empty")
            .Task("list", _ => Array.Empty<int>())
            .Task("each", ctx => ctx.Arg<int>("v"))
            .Expand("each", MapSource.FromXCom("v", "list"))
            .Task("after", _ => { }, after: "each")
            .Build();

        var snapshot = await RunAsync(dag);

        Assert.Equal(TaskInstanceState.Skipped, snapshot.Find(new("each"))!.State);
        Assert.Equal(TaskInstanceState.Skipped, snapshot.Find(new("after"))!.State);
        Assert.Equal(DagRunState.Success, snapshot.Run.State);
    }

    [Fact]
    public async Task Expand_OverSomethingNotAList_FailsWithClearMessage()
    {
        var dag = Dag.Create("not_list")
            .Task("scalar", _ => 42)
            .Task("each", ctx => ctx.Arg<int>("v"))
            .Expand("each", MapSource.FromXCom("v", "scalar"))
            .Build();

        var snapshot = await RunAsync(dag);

        var each = snapshot.Find(new("each"))!;
        Assert.Equal(TaskInstanceState.Failed, each.State);
        Assert.Equal("cannot expand over 'v': the XCom 'return_value' of 'scalar' is not a list", each.Message);
        Assert.Equal(DagRunState.Failed, snapshot.Run.State);
    }
}

public sealed class YamlMappingTests
{
    [Fact]
    public async Task YamlExpand_LiteralAndShellOutputList_EnvPerInstance()
    {
        var dag = Gale.Yaml.YamlDagLoader.Load("mapped.yaml", """
            dag_id: yaml_mapped
            tasks:
              - id: files
                operator: shell
                command: "echo '[\"a.csv\", \"b.csv\"]'"
              - id: each_file
                operator: shell
                command: "echo processed-$FILE"
                expand:
                  file: {xcom: files}
              - id: each_word
                operator: shell
                command: "echo $WORD-$N"
                expand:
                  word: [x, y]
                  n: [1, 2]
              - id: each_kwargs
                operator: shell
                command: "echo $A$B"
                expand_kwargs: [{a: "1", b: "2"}, {a: "3", b: "4"}]
            """);
        var result = await DagTestRunner.RunAsync(dag, new DagRun { DagId = dag.DagId, RunId = "manual__y", QueuedAt = DateTimeOffset.UtcNow });

        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        Assert.Equal(2, result.Snapshot.Tasks.Keys.Count(k => k.TaskId == "each_file"));
        Assert.Equal(4, result.Snapshot.Tasks.Keys.Count(k => k.TaskId == "each_word"));
        Assert.Equal(2, result.Snapshot.Tasks.Keys.Count(k => k.TaskId == "each_kwargs"));
        Assert.Equal(["\"processed-a.csv\"", "\"processed-b.csv\""], await result.XComs.GetMappedAsync(dag.DagId, "manual__y", "each_file", "return_value"));
        Assert.Equal(["\"x-1\"", "\"x-2\"", "\"y-1\"", "\"y-2\""], await result.XComs.GetMappedAsync(dag.DagId, "manual__y", "each_word", "return_value"));
        Assert.Equal(["\"12\"", "\"34\""], await result.XComs.GetMappedAsync(dag.DagId, "manual__y", "each_kwargs", "return_value"));
    }

    [Fact]
    public void YamlExpand_BadSource_ErrorNamesField()
    {
        var e = Assert.Throws<Gale.Yaml.YamlDagException>(() => Gale.Yaml.YamlDagLoader.Load("bad.yaml", "dag_id: x\ntasks:\n  - id: a\n    operator: shell\n    command: ls\n    expand:\n      f: {task: b}\n"));

        Assert.Equal("tasks[0].expand.f.task", e.Field);
    }
}
