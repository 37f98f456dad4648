using Gale.Dags;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Yaml;

namespace Gale.Core.Tests.Operators;

public sealed class BranchingTests
{
    private static DagRun Run(Dag dag) => new() { DagId = dag.DagId, RunId = "manual__b", QueuedAt = DateTimeOffset.UtcNow };

    private static async Task<Dictionary<string, TaskInstanceState>> StatesAsync(Dag dag)
    {
        var result = await DagTestRunner.RunAsync(dag, Run(dag));
        return result.Snapshot.Tasks.Values.ToDictionary(t => t.TaskId, t => t.State);
    }

    [Fact]
    public async Task Branch_FollowsChosenTask_SkipsOtherAndJoinRuns()
    {
        var dag = Dag.Create("branchy")
            .Branch("choose", ctx => ctx.TryNumber > 0 ? "fast" : "slow")
            .Task("fast", _ => { }, after: "choose")
            .Task("slow", _ => { }, after: "choose")
            .Task("after_slow", _ => { }, after: "slow")
            .Task("join", _ => { }, after: ["fast", "after_slow"], options: new TaskOptions { TriggerRule = TriggerRule.NoneFailedMinOneSuccess })
            .Build();

        var states = await StatesAsync(dag);

        Assert.Equal(TaskInstanceState.Success, states["fast"]);
        Assert.Equal(TaskInstanceState.Skipped, states["slow"]);
        Assert.Equal(TaskInstanceState.Skipped, states["after_slow"]);
        Assert.Equal(TaskInstanceState.Success, states["join"]);
    }

    [Fact]
    public async Task Branch_ChoosesTaskThatIsNotDownstream_FailsWithClearMessage()
    {
        var dag = Dag.Create("stray").Branch("choose", _ => "elsewhere").Task("a", _ => { }, after: "choose").Task("elsewhere", _ => { }).Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        var choose = result.Snapshot.Find(new("choose"))!;
        Assert.Equal(TaskInstanceState.Failed, choose.State);
        Assert.Contains("branch chose 'elsewhere', which is not directly downstream of 'choose'", choose.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShortCircuit_False_SkipsAllDownstreamButTeardown()
    {
        var dag = Dag.Create("short")
            .ShortCircuit("check", _ => false)
            .Task("a", _ => { }, after: "check")
            .Task("b", _ => { }, after: "a", options: new TaskOptions { TriggerRule = TriggerRule.AllDone })
            .Task("cleanup", _ => { }, after: "b", options: new TaskOptions { IsTeardown = true })
            .Build();

        var states = await StatesAsync(dag);

        Assert.Equal(TaskInstanceState.Success, states["check"]);
        Assert.Equal(TaskInstanceState.Skipped, states["a"]);
        Assert.Equal(TaskInstanceState.Skipped, states["b"]);
        Assert.Equal(TaskInstanceState.Success, states["cleanup"]);
    }

    [Fact]
    public async Task ShortCircuit_True_RunsEverything()
    {
        var dag = Dag.Create("long").ShortCircuit("check", _ => true).Task("a", _ => { }, after: "check").Build();

        var states = await StatesAsync(dag);

        Assert.All(states.Values, s => Assert.Equal(TaskInstanceState.Success, s));
    }

    [Fact]
    public async Task YamlBranchAndShortCircuit_CommandsDecide()
    {
        var dag = YamlDagLoader.Load("branch.yaml", """
            dag_id: yaml_branch
            tasks:
              - id: pick
                operator: branch
                command: "echo right"
              - id: left
                operator: empty
                upstream: pick
              - id: right
                operator: empty
                upstream: pick
              - id: gate
                operator: short_circuit
                command: "test 1 -eq 2"
                upstream: right
              - id: gated
                operator: empty
                upstream: gate
            """);

        var states = await StatesAsync(dag);

        Assert.Equal(TaskInstanceState.Skipped, states["left"]);
        Assert.Equal(TaskInstanceState.Success, states["right"]);
        Assert.Equal(TaskInstanceState.Success, states["gate"]);
        Assert.Equal(TaskInstanceState.Skipped, states["gated"]);
    }

    private static async Task<Dictionary<string, TaskInstanceState>> ScheduledStatesAsync(Dag dag, DateTimeOffset logicalDate)
    {
        var run = Gale.Timetables.DagRunInfo.Interval(logicalDate, logicalDate.AddDays(1)).ToDagRun(dag.DagId, DagRunType.Scheduled, DateTimeOffset.UtcNow);
        var result = await DagTestRunner.RunAsync(dag, run);
        return result.Snapshot.Tasks.Values.ToDictionary(t => t.TaskId, t => t.State);
    }

    private static Dag LatestOnlyDag() => YamlDagLoader.Load("latest.yaml", """
        dag_id: latest
        schedule: "@daily"
        start_date: 2024-01-01
        tasks:
          - id: gate
            operator: latest_only
          - id: notify
            operator: empty
            upstream: gate
          - id: after_notify
            operator: empty
            upstream: notify
          - id: always_runs
            operator: empty
            upstream: gate
            trigger_rule: all_done
          - id: independent
            operator: empty
        """);

    [Fact]
    public async Task LatestOnly_OldScheduledRun_SkipsDownstreamOnly()
    {
        var states = await ScheduledStatesAsync(LatestOnlyDag(), new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));

        Assert.Equal(TaskInstanceState.Success, states["gate"]);
        Assert.Equal(TaskInstanceState.Skipped, states["notify"]);
        Assert.Equal(TaskInstanceState.Skipped, states["after_notify"]);
        Assert.Equal(TaskInstanceState.Skipped, states["always_runs"]); // skipped directly, as Airflow's skip mixin does
        Assert.Equal(TaskInstanceState.Success, states["independent"]);
    }

    [Fact]
    public async Task LatestOnly_LatestScheduledRun_RunsDownstream()
    {
        var yesterday = new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(-1), TimeSpan.Zero);

        var states = await ScheduledStatesAsync(LatestOnlyDag(), yesterday);

        Assert.All(states.Values, s => Assert.Equal(TaskInstanceState.Success, s));
    }

    [Fact]
    public async Task LatestOnly_ManualRunOfAnOldDate_RunsDownstream()
    {
        var dag = Dag.Create("latest_cs", "@daily", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero))
            .LatestOnly("gate").Task("work", _ => { }, after: "gate").Build();
        var run = Run(dag) with { LogicalDate = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero) };

        var result = await DagTestRunner.RunAsync(dag, run);

        Assert.Equal(TaskInstanceState.Success, result.Snapshot.Find(new("work"))!.State);
    }
}
