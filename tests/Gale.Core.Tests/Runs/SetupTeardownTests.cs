using Gale.Dags;
using Gale.Orchestration.InProcess;
using Gale.Runs;

namespace Gale.Core.Tests.Runs;

public sealed class SetupTeardownTests
{
    private static Dag Scoped(bool setupFails) => Dag.Create("scoped")
        .Task("create_cluster", _ =>
        {
            if (setupFails)
            {
                throw new InvalidOperationException("no capacity");
            }
        }, options: new TaskOptions { IsSetup = true })
        .Task("load", _ => { }, after: "create_cluster")
        .Task("report", _ => { }, after: "load", options: new TaskOptions { TriggerRule = TriggerRule.AllDone })
        .Task("delete_cluster", _ => { }, after: ["create_cluster", "report"], options: new TaskOptions { IsTeardown = true })
        .Build();

    private static async Task<RunSnapshot> RunAsync(Dag dag) =>
        (await DagTestRunner.RunAsync(dag, new DagRun { DagId = dag.DagId, RunId = "manual__st", QueuedAt = DateTimeOffset.UtcNow })).Snapshot;

    [Fact]
    public void IndirectSetups_TaskBetweenSetupAndTeardown_HasTheSetup()
    {
        var dag = Scoped(setupFails: false);

        Assert.Equal(["create_cluster"], dag.IndirectSetups("report"));
        Assert.Empty(dag.IndirectSetups("load")); // its setup is a direct upstream
        Assert.Empty(dag.IndirectSetups("delete_cluster")); // teardowns are exempt
    }

    [Fact]
    public async Task SetupFails_AllDoneTaskInsideScopeDoesNotRun_TeardownSkippedRunFails()
    {
        var snapshot = await RunAsync(Scoped(setupFails: true));

        Assert.Equal(TaskInstanceState.Failed, snapshot.Find(new("create_cluster"))!.State);
        Assert.Equal(TaskInstanceState.UpstreamFailed, snapshot.Find(new("load"))!.State);
        Assert.Equal(TaskInstanceState.UpstreamFailed, snapshot.Find(new("report"))!.State); // all_done alone would have run it
        Assert.Equal(TaskInstanceState.UpstreamFailed, snapshot.Find(new("delete_cluster"))!.State); // no setup succeeded
        Assert.Equal(DagRunState.Failed, snapshot.Run.State);
    }

    [Fact]
    public async Task WorkFails_TeardownStillRuns_RunFailsByItsWork()
    {
        var dag = Dag.Create("work_fails")
            .Task("setup", _ => { }, options: new TaskOptions { IsSetup = true })
            .Task("work", _ => throw new InvalidOperationException("bad data"), after: "setup")
            .Task("teardown", _ => { }, after: ["setup", "work"], options: new TaskOptions { IsTeardown = true })
            .Build();

        var snapshot = await RunAsync(dag);

        Assert.Equal(TaskInstanceState.Success, snapshot.Find(new("teardown"))!.State);
        Assert.Equal(DagRunState.Failed, snapshot.Run.State);
    }
}
