using System.Collections.Concurrent;
using Gale.Dags;
using Gale.Engine;
using Gale.Orchestration.InProcess;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Gale.Triggers;
using Gale.InMemory;

namespace Gale.Orchestration.Tests;

/// <summary>
/// A run whose history holds its tries-per-history limit goes on in a fresh history of its instance (ContinueAsNew):
/// every task runs once, the retries, deferral timeouts and tries of the old history carry over, and a 10,000-task
/// run completes in bounded histories.
/// </summary>
public sealed class FreshHistoryTests
{
    [Fact]
    public async Task Run_FanOutPastTheTriesPerHistory_GoesOnInFreshHistoriesAndEveryTaskRunsOnce()
    {
        var executions = new ConcurrentDictionary<string, int>();
        var dag = FanOutFanIn("fresh_fan", 25, executions);
        var (hub, run) = await StartAsync(dag, triesPerHistory: 5);

        Assert.True(await hub.RunUntilIdleAsync());

        var done = (await hub.Runs.LoadAsync(run.Key))!;
        Assert.Equal(DagRunState.Success, done.Run.State);
        Assert.Equal(27, executions.Count);
        Assert.All(executions, e => Assert.Equal(1, e.Value));
        var input = await InputAsync(hub, run);
        Assert.NotNull(input.Resume); // the last history carried the run on from an earlier one
        var successes = (await hub.Runs.ReadHistoryAsync(run.Key)).Where(t => t.To == TaskInstanceState.Success).Select(t => t.TaskId).ToList();
        Assert.Equal(27, successes.Count);
        Assert.Equal(27, successes.Distinct(StringComparer.Ordinal).Count());
        Assert.True((await hub.Client.GetOrchestrationHistoryAsync(RunInstanceId.For(run.Key))).Count < 60, "the last history holds a few tries, not the run's 27");
    }

    [Fact]
    public async Task Run_ARetryWaitingWhenTheHistoryIsFull_RunsInTheFreshHistoryAndBothTriesAreListed()
    {
        var tries = 0;
        var builder = Dag.Create("fresh_retry")
            .Task("flaky", _ =>
            {
                if (Interlocked.Increment(ref tries) == 1)
                {
                    throw new InvalidOperationException("the first try fails");
                }
            }, options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.FromHours(1) });
        var (hub, run) = await StartAsync(WithQuickTasks(builder), triesPerHistory: 3);

        Assert.True(await hub.RunUntilIdleAsync());

        var done = (await hub.Runs.LoadAsync(run.Key))!;
        Assert.Equal(DagRunState.Success, done.Run.State);
        Assert.Equal(2, tries);
        Assert.True(hub.Clock.Skipped >= TimeSpan.FromHours(1) - TimeSpan.FromMinutes(1), $"the retry waited its delay: skipped {hub.Clock.Skipped}");
        var flaky = (await hub.Runs.ReadHistoryAsync(run.Key)).Where(t => t.TaskId == "flaky" && t.From == TaskInstanceState.Running).Select(t => (t.TryNumber, t.To)).ToList();
        Assert.Equal([(1, TaskInstanceState.UpForRetry), (2, TaskInstanceState.Success)], flaky);
    }

    [Fact]
    public async Task Run_ADeferralTimeoutSetInAnEarlierHistory_StillFires()
    {
        var builder = Dag.Create("fresh_defer")
            .Task("wait", ctx =>
            {
                if (ctx.TriggerEvent is null)
                {
                    ctx.Defer(new ExternalEventTrigger { Name = "never" }, timeout: TimeSpan.FromDays(2));
                }
            });
        var (hub, run) = await StartAsync(WithQuickTasks(builder), triesPerHistory: 3);

        // Without its timer set again in the fresh history the run would wait for ever: idle, not completed.
        Assert.True(await hub.RunUntilIdleAsync());

        var done = (await hub.Runs.LoadAsync(run.Key))!;
        Assert.Equal(DagRunState.Failed, done.Run.State);
        Assert.Contains("timed out", done.Find(new TaskInstanceKey("wait", -1))!.Message, StringComparison.Ordinal);
        Assert.True(hub.Clock.Skipped >= TimeSpan.FromDays(2) - TimeSpan.FromMinutes(1), $"skipped {hub.Clock.Skipped}");
        Assert.NotNull((await InputAsync(hub, run)).Resume);
    }

    [Fact]
    public async Task Run_TenThousandTaskFanOutAndJoin_CompletesWithEveryTaskOnceInBoundedHistories()
    {
        var executions = new ConcurrentDictionary<string, int>();
        var dag = FanOutFanIn("fresh_10k", 10_000, executions);
        var (hub, run) = await StartAsync(dag, DagRunOrchestrator.DefaultTriesPerHistory);

        Assert.True(await hub.RunUntilIdleAsync());

        var done = (await hub.Runs.LoadAsync(run.Key))!;
        Assert.Equal(DagRunState.Success, done.Run.State);
        Assert.Equal(10_002, executions.Count);
        Assert.All(executions, e => Assert.Equal(1, e.Value));
        var history = await hub.Client.GetOrchestrationHistoryAsync(RunInstanceId.For(run.Key));
        Assert.True(history.Count < 4 * DagRunOrchestrator.DefaultTriesPerHistory, $"the last history has {history.Count} events");
        Assert.Equal(10_002, (await hub.Runs.ReadHistoryAsync(run.Key)).Count(t => t.To == TaskInstanceState.Success));
    }

    private static Dag FanOutFanIn(string dagId, int width, ConcurrentDictionary<string, int> executions)
    {
        var builder = Dag.Create(dagId).With(s => s with { MaxActiveTasks = width + 2 }).Task("start", ctx => Count(executions, ctx.TaskId));
        var middle = Enumerable.Range(0, width).Select(i => $"t{i:D5}").ToArray();
        foreach (var id in middle)
        {
            builder.Task(id, ctx => Count(executions, ctx.TaskId), after: "start");
        }

        return builder.Task("end", ctx => Count(executions, ctx.TaskId), after: middle).Build();
    }

    // Eight more independent tasks: with three tries a history, the run goes on in fresh histories while the first waits.
    private static Dag WithQuickTasks(DagBuilder builder)
    {
        foreach (var i in Enumerable.Range(0, 8))
        {
            builder.Task($"quick{i}", _ => { });
        }

        return builder.Build();
    }

    private static void Count(ConcurrentDictionary<string, int> executions, string taskId) => executions.AddOrUpdate(taskId, 1, (_, n) => n + 1);

    private static async Task<(VirtualTimeTaskHub Hub, DagRun Run)> StartAsync(Dag dag, int triesPerHistory)
    {
        var clock = new SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(new DagBag([dag]), new TaskServices(), clock, triesPerHistory: triesPerHistory);
        var run = new DagRun { DagId = dag.DagId, RunId = "manual__1", QueuedAt = clock.GetUtcNow(), LogicalDate = clock.GetUtcNow() };
        await hub.Runs.CreateRunAsync(dag, run);
        return (hub, run);
    }

    private static async Task<DagRunInput> InputAsync(VirtualTimeTaskHub hub, DagRun run) =>
        (await hub.Client.GetInstanceAsync(RunInstanceId.For(run.Key), getInputsAndOutputs: true))!.ReadInputAs<DagRunInput>()!;
}
