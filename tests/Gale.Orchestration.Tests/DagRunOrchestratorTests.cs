using System.Collections.Concurrent;
using System.Diagnostics;
using Gale.Dags;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Triggers;

namespace Gale.Orchestration.Tests;

/// <summary>DAG runs as orchestrations on the in-process Durable Task backend: the same DAGs, the same decisions.</summary>
public sealed class DagRunOrchestratorTests
{
    [Fact]
    public async Task Run_Chain_SucceedsAndPassesReturnValues()
    {
        var seen = 0;
        var dag = Dag.Create("orch_chain")
            .Task("extract", _ => 21)
            .Task("transform", ctx => ctx.XCom.Pull<int>("extract") * 2, after: "extract")
            .Task("load", ctx => { seen = ctx.XCom.Pull<int>("transform"); }, after: "transform")
            .Build();
        await using var host = await OrchestrationHost.StartAsync(dag);

        var (result, status) = await host.RunToEndAsync(OrchestrationHost.Run(dag));

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(42, seen);
        Assert.Equal(DagRunState.Success, status.State);
        Assert.Equal(["extract", "load", "transform"], status.Tasks.Select(t => t.TaskId).Order(StringComparer.Ordinal));
        Assert.All(status.Tasks, t => Assert.Equal((TaskInstanceState.Success, 1, DagRunOrchestrator.WorkerId), (t.State, t.TryNumber, t.WorkerId)));
        var extract = status.Tasks.Single(t => t.TaskId == "extract");
        var load = status.Tasks.Single(t => t.TaskId == "load");
        Assert.True(extract.EndDate <= load.StartDate, $"load started {load.StartDate:O} before extract ended {extract.EndDate:O}");
    }

    [Fact]
    public async Task Run_FanOutOfTwenty_EveryTaskOnceThenTheJoin()
    {
        var calls = new ConcurrentDictionary<string, int>();
        var builder = Dag.Create("orch_fan");
        var branches = Enumerable.Range(0, 20).Select(i => $"t{i:D2}").ToArray();
        foreach (var id in branches)
        {
            builder.Task(id, ctx => { calls.AddOrUpdate(ctx.TaskId, 1, (_, n) => n + 1); });
        }

        builder.Task("join", ctx => { calls.AddOrUpdate(ctx.TaskId, 1, (_, n) => n + 1); }, after: branches);
        var dag = builder.Build();
        await using var host = await OrchestrationHost.StartAsync(dag);

        var (result, status) = await host.RunToEndAsync(OrchestrationHost.Run(dag));

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(21, calls.Count);
        Assert.All(calls.Values, n => Assert.Equal(1, n));
        var join = status.Tasks.Single(t => t.TaskId == "join");
        Assert.All(status.Tasks.Where(t => t.TaskId != "join"), t => Assert.True(t.EndDate <= join.StartDate));
    }

    [Fact]
    public async Task Run_FailingTryWithRetry_WaitsTheRetryDelayOnADurableTimerThenSucceeds()
    {
        var calls = 0;
        var dag = Dag.Create("orch_retry")
            .Task("flaky", _ =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    throw new InvalidOperationException("first try fails");
                }
            }, options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.FromSeconds(1) })
            .Build();
        await using var host = await OrchestrationHost.StartAsync(dag);
        var watch = Stopwatch.StartNew();

        var (result, status) = await host.RunToEndAsync(OrchestrationHost.Run(dag));

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(2, calls);
        Assert.Equal((TaskInstanceState.Success, 2), (status.Tasks[0].State, status.Tasks[0].TryNumber));
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1), $"the retry came after {watch.Elapsed}");
    }

    [Fact]
    public async Task Run_FailureWithoutRetries_DownstreamUpstreamFailedAllDoneRunsAndTheRunFails()
    {
        var cleanupRan = false;
        var dag = Dag.Create("orch_fail")
            .Task("boom", _ => throw new InvalidOperationException("broken"))
            .Task("next", _ => { }, after: "boom")
            .Task("cleanup", _ => { cleanupRan = true; }, after: "boom", options: new TaskOptions { TriggerRule = TriggerRule.AllDone })
            .Build();
        await using var host = await OrchestrationHost.StartAsync(dag);

        var (result, status) = await host.RunToEndAsync(OrchestrationHost.Run(dag));

        Assert.Equal(DagRunState.Failed, result.State);
        Assert.True(cleanupRan);
        var states = status.Tasks.ToDictionary(t => t.TaskId, t => t.State);
        Assert.Equal(TaskInstanceState.Failed, states["boom"]);
        Assert.Equal(TaskInstanceState.UpstreamFailed, states["next"]);
        Assert.Equal(TaskInstanceState.Success, states["cleanup"]);
    }

    [Fact]
    public async Task Run_DeferredOnAnExternalEvent_ResumesWhenTheEventIsRaisedOnTheInstance()
    {
        string? got = null;
        var dag = Dag.Create("orch_event")
            .Task("wait", ctx =>
            {
                if (ctx.TriggerEvent is null)
                {
                    ctx.Defer(new ExternalEventTrigger { Name = "approve" }, timeout: TimeSpan.FromMinutes(5));
                }

                got = ctx.TriggerEvent!.Value.GetRawText();
            })
            .Build();
        await using var host = await OrchestrationHost.StartAsync(dag);
        var run = OrchestrationHost.Run(dag);
        Assert.True(await OrchestratedRuns.StartAsync(host.Client, run));
        await WaitForAsync(async () => (await OrchestratedRuns.GetAsync(host.Client, run.Key))?.Status?.Tasks.SingleOrDefault()?.State == TaskInstanceState.Deferred);

        await OrchestratedRuns.RaiseAsync(host.Client, run.Key, new ExternalEventRaised { EventId = "ev-1", Name = "approve", Data = "\"ana\"", At = DateTimeOffset.UtcNow });
        var (result, status) = await host.WaitAsync(run);

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal("\"ana\"", got);
        Assert.Equal((TaskInstanceState.Success, 1), (status.Tasks[0].State, status.Tasks[0].TryNumber));
    }

    [Fact]
    public async Task Start_SameRunTwice_OneInstance()
    {
        var release = new TaskCompletionSource();
        var calls = 0;
        var dag = Dag.Create("orch_dup").Task("slow", async _ => { Interlocked.Increment(ref calls); await release.Task; }).Build();
        await using var host = await OrchestrationHost.StartAsync(dag);
        var run = OrchestrationHost.Run(dag);

        var first = await OrchestratedRuns.StartAsync(host.Client, run);
        var second = await OrchestratedRuns.StartAsync(host.Client, run with { Conf = """{"other":true}""" });
        release.SetResult();
        var (result, _) = await host.WaitAsync(run);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Run_MarkedFailedByAnEvent_FailsAndIgnoresTheRunningTasksLateResult()
    {
        var release = new TaskCompletionSource();
        var dag = Dag.Create("orch_mark").Task("slow", async _ => await release.Task).Build();
        await using var host = await OrchestrationHost.StartAsync(dag);
        var run = OrchestrationHost.Run(dag);
        Assert.True(await OrchestratedRuns.StartAsync(host.Client, run));
        await WaitForAsync(async () => (await OrchestratedRuns.GetAsync(host.Client, run.Key))?.Status?.Tasks.SingleOrDefault()?.State == TaskInstanceState.Running);

        await OrchestratedRuns.RaiseAsync(host.Client, run.Key, new RunStateSet { EventId = "mark-1", State = DagRunState.Failed, At = DateTimeOffset.UtcNow });
        await WaitForAsync(async () => (await OrchestratedRuns.GetAsync(host.Client, run.Key))?.Status?.State == DagRunState.Failed);
        // The in-process backend completes the instance once no activity is outstanding; the try's success comes too late.
        release.SetResult();
        var (result, status) = await host.WaitAsync(run);

        Assert.Equal(DagRunState.Failed, result.State);
        Assert.Equal(DagRunState.Failed, status.State);
        Assert.NotEqual(TaskInstanceState.Success, status.Tasks[0].State); // the try's late success was not recorded
    }

    [Fact]
    public async Task Run_MappedOverAnUpstreamList_OneInstancePerElementThenTheReduce()
    {
        var total = 0;
        var dag = Dag.Create("orch_map")
            .Task("list", _ => new[] { 10, 20, 30, 40 })
            .Task("inc", ctx => ctx.Arg<int>("v") + 1)
            .Expand("inc", MapSource.FromXCom("v", "list"))
            .Task("sum", ctx => { total = ctx.XCom.PullMapped<int>("inc").Sum(); }, after: "inc")
            .Build();
        await using var host = await OrchestrationHost.StartAsync(dag);

        var (result, status) = await host.RunToEndAsync(OrchestrationHost.Run(dag));

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(104, total);
        Assert.Equal([0, 1, 2, 3], status.Tasks.Where(t => t.TaskId == "inc").Select(t => t.MapIndex).Order());
    }

    [Fact]
    public async Task Run_Branch_FollowsTheChosenTaskAndSkipsTheOther()
    {
        var dag = Dag.Create("orch_branch")
            .Branch("choose", _ => "fast")
            .Task("fast", _ => { }, after: "choose")
            .Task("slow", _ => { }, after: "choose")
            .Task("join", _ => { }, after: ["fast", "slow"], options: new TaskOptions { TriggerRule = TriggerRule.NoneFailedMinOneSuccess })
            .Build();
        await using var host = await OrchestrationHost.StartAsync(dag);

        var (result, status) = await host.RunToEndAsync(OrchestrationHost.Run(dag));

        var states = status.Tasks.ToDictionary(t => t.TaskId, t => t.State);
        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal((TaskInstanceState.Success, TaskInstanceState.Skipped, TaskInstanceState.Success), (states["fast"], states["slow"], states["join"]));
    }

    [Theory]
    [InlineData(false, "orch_cb success")]
    [InlineData(true, "orch_cb failed")]
    public async Task Run_Finished_TheDagCallbackOfItsStateRunsOnce(bool fail, string expected)
    {
        var outcomes = new ConcurrentQueue<string>();
        var dag = Dag.Create("orch_cb")
            .With(s => s with
            {
                OnSuccessCallback = ctx => { outcomes.Enqueue($"{ctx.DagId} success"); return Task.CompletedTask; },
                OnFailureCallback = ctx => { outcomes.Enqueue($"{ctx.DagId} failed"); return Task.CompletedTask; },
            })
            .Task("work", _ => { if (fail) { throw new InvalidOperationException("no"); } })
            .Build();
        await using var host = await OrchestrationHost.StartAsync(dag);

        await host.RunToEndAsync(OrchestrationHost.Run(dag));

        Assert.Equal([expected], outcomes);
    }

    [Fact]
    public async Task Run_TriggerDagRun_StartsTheOtherDagAsItsOwnInstance()
    {
        var childRan = false;
        var child = Dag.Create("orch_child").Task("work", _ => { childRan = true; }).Build();
        var parent = Dag.Create("orch_parent")
            .Task("trigger", new Gale.Operators.TriggerDagRunOperator("orch_child") { TriggerRunId = "from_parent" })
            .Build();
        await using var host = await OrchestrationHost.StartAsync(parent, child);

        var (result, _) = await host.RunToEndAsync(OrchestrationHost.Run(parent));
        var (childResult, _) = await host.WaitAsync(OrchestrationHost.Run(child, "from_parent"));

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(DagRunState.Success, childResult.State);
        Assert.True(childRan);
    }

    [Fact]
    public async Task Run_DeferredOnAPollingTrigger_CheckedByThePollTriggerActivityBetweenTimersUntilItFires()
    {
        string? got = null;
        SecondPollFires.Polls.Clear();
        var dag = Dag.Create("orch_poll")
            .Task("sense", ctx =>
            {
                if (ctx.TriggerEvent is null)
                {
                    ctx.Defer(new SecondPollFires { Key = "orch_poll", PokeInterval = TimeSpan.FromSeconds(1) }, timeout: TimeSpan.FromMinutes(5));
                }

                got = ctx.TriggerEvent!.Value.GetRawText();
            })
            .Build();
        await using var host = await OrchestrationHost.StartAsync(dag);

        var (result, status) = await host.RunToEndAsync(OrchestrationHost.Run(dag));

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(2, SecondPollFires.Polls["orch_poll"]);
        Assert.Equal("""{"polls":2}""", got);
        Assert.Equal((TaskInstanceState.Success, 1), (status.Tasks[0].State, status.Tasks[0].TryNumber));
    }

    [Fact]
    public async Task Run_ANonEventPayloadRaised_IsSkippedAndTheRunGoesOn()
    {
        var release = new TaskCompletionSource();
        var dag = Dag.Create("orch_garbage").Task("slow", async _ => await release.Task).Build();
        await using var host = await OrchestrationHost.StartAsync(dag);
        var run = OrchestrationHost.Run(dag);
        Assert.True(await OrchestratedRuns.StartAsync(host.Client, run));

        await host.Client.RaiseEventAsync(RunInstanceId.For(run.Key), DagRunOrchestrator.EventName, "not a run event");
        release.SetResult();
        var (result, _) = await host.WaitAsync(run);

        Assert.Equal(DagRunState.Success, result.State);
    }

    /// <summary>A polling trigger that holds from its second check on (checks counted per key).</summary>
    public sealed class SecondPollFires : PollingTrigger
    {
        public static readonly ConcurrentDictionary<string, int> Polls = new(StringComparer.Ordinal);

        public required string Key { get; init; }

        public override ValueTask<(bool Done, object? Event)> PollAsync(TriggerContext context)
        {
            var n = Polls.AddOrUpdate(Key, 1, (_, v) => v + 1);
            return ValueTask.FromResult<(bool, object?)>((n >= 2, new { polls = n }));
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
