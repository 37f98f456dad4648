using Gale.Dags;
using Gale.Engine;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Core.Tests.Engine;

public sealed class RunSweeperTests
{
    private static readonly EngineOptions Fast = new()
    {
        Lease = TimeSpan.FromMilliseconds(500),
        StuckQueuedAfter = TimeSpan.FromMilliseconds(300),
        SweepInterval = TimeSpan.FromMilliseconds(100),
        RunReadyTasksLocally = false,
    };

    private static DagRun Run(string dagId) => new() { DagId = dagId, RunId = "manual__s", QueuedAt = DateTimeOffset.UtcNow };

    [Fact]
    public async Task LostAttemptMessage_RequeuedBySweeperAndRunCompletes()
    {
        var dag = Dag.Create("lost").Task("a", _ => { }).Task("b", _ => { }, after: "a").Build();
        await using var harness = new EngineHarness(dag);
        var creator = new RunEngine(harness.Store, harness.Dags, harness.Tasks, harness.Control, TimeProvider.System, Fast);
        var done = harness.Finished.GetOrAdd(new RunKey("lost", "manual__s"), _ => new());
        await creator.CreateRunAsync(dag, Run("lost"));
        // The process that stored the decision died before its message survived: the message is gone.
        foreach (var message in await harness.Tasks.ReceiveAsync(32, TimeSpan.FromMinutes(1)))
        {
            await harness.Tasks.DeleteAsync(message);
        }

        harness.StartHost(Fast);
        var state = await done.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(DagRunState.Success, state);
        Assert.Equal(1, (await harness.Store.LoadAsync(new RunKey("lost", "manual__s")))!.Find(new("a"))!.TryNumber);
    }

    [Fact]
    public async Task SilentRunningAttempt_FailedAsZombieBySweeperAndRetried()
    {
        var dag = Dag.Create("silent").Task("a", _ => { }, options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.Zero }).Build();
        await using var harness = new EngineHarness(dag);
        var ghost = new RunEngine(harness.Store, harness.Dags, harness.Tasks, harness.Control, TimeProvider.System, Fast with { WorkerId = "ghost" });
        var run = new RunKey("silent", "manual__s");
        var done = harness.Finished.GetOrAdd(run, _ => new());
        await ghost.CreateRunAsync(dag, Run("silent"));
        var held = Assert.Single(await harness.Tasks.ReceiveAsync(1, TimeSpan.FromMinutes(1)));
        await ghost.ApplyAsync(run, [new TaskStarted { EventId = "ghost", Task = new("a"), TryNumber = 1, WorkerId = "ghost", At = DateTimeOffset.UtcNow }]);
        await harness.Tasks.DeleteAsync(held); // no redelivery will reveal the zombie: only the sweeper can

        harness.StartHost(Fast);
        var state = await done.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var history = await harness.Store.ReadHistoryAsync(run);
        Assert.Equal(DagRunState.Success, state);
        Assert.Contains(history, t => t is { TaskId: "a", TryNumber: 1, To: TaskInstanceState.UpForRetry });
        Assert.Equal(2, (await harness.Store.LoadAsync(run))!.Find(new("a"))!.TryNumber);
    }

    [Fact]
    public async Task LostRetryTimer_FiredBySweeper()
    {
        var dag = Dag.Create("timer").Task("a", ctx =>
        {
            if (ctx.TryNumber == 1)
            {
                throw new InvalidOperationException("fail once");
            }
        }, options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.FromMilliseconds(200) }).Build();
        await using var harness = new EngineHarness(dag);
        var run = new RunKey("timer", "manual__s");
        var done = harness.Finished.GetOrAdd(run, _ => new());
        var engine = new RunEngine(harness.Store, harness.Dags, harness.Tasks, harness.Control, TimeProvider.System, Fast);
        await engine.CreateRunAsync(dag, Run("timer"));
        await engine.ApplyAsync(run, [new TaskFinished { EventId = "f1", Task = new("a"), TryNumber = 1, Outcome = AttemptOutcome.Failed, At = DateTimeOffset.UtcNow }]);
        foreach (var message in await harness.Control.ReceiveAsync(32, TimeSpan.FromMinutes(1)))
        {
            await harness.Control.DeleteAsync(message); // the durable timer is lost
        }

        foreach (var message in await harness.Tasks.ReceiveAsync(32, TimeSpan.FromMinutes(1)))
        {
            await harness.Tasks.DeleteAsync(message); // and so is the stale try-1 attempt
        }

        harness.StartHost(Fast);
        var state = await done.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(DagRunState.Success, state);
        Assert.Equal(2, (await harness.Store.LoadAsync(run))!.Find(new("a"))!.TryNumber);
    }
}
