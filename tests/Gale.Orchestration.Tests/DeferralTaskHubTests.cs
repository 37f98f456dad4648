using Gale.Dags;
using Gale.Engine;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Orchestration.AzureStorage;
using Gale.Orchestration.Runs;
using Gale.Storage.Engine;
using Gale.Testing;
using Gale.Triggers;

namespace Gale.Orchestration.Tests;

/// <summary>Deferred tasks on an Azure Storage task hub on Azurite: waits hold no worker, survive hosts going away, and resume exactly once.</summary>
public sealed class DeferralTaskHubTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    // A worker on the task hub named hubName (a new one per test unless given), with slots activities at once.
    private Task<AzureStorageTaskHub> HubAsync(Dag dag, int slots, string? hubName = null, TaskServices? services = null) =>
        AzureStorageTaskHub.StartAsync(
            azurite.Server.Connection,
            new TaskHubOptions { HubName = hubName ?? NewHubName(), PartitionCount = 1, MaxConcurrentActivities = slots },
            new DagBag([dag]),
            services ?? new TaskServices(),
            TimeProvider.System);

    private static string NewHubName() => "h" + Guid.NewGuid().ToString("N")[..12];

    private static async Task<RunSnapshot> WaitForAsync(OrchestratedDagRuns runs, RunKey key, Func<RunSnapshot, bool> condition, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        RunSnapshot? s = null;
        while (DateTime.UtcNow < deadline)
        {
            s = await runs.LoadAsync(key);
            if (s is not null && condition(s))
            {
                return s;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"run {key}: {string.Join(", ", s!.Tasks.Values.GroupBy(t => t.State).Select(g => $"{g.Count()} {g.Key.ToAirflowName()}"))}; {string.Join("; ", s.Tasks.Values.Where(t => t.Message is not null).Take(3).Select(t => $"{t.Key}: {t.Message}"))}");
    }

    [Fact]
    public async Task Defer_ThousandTasksWaiting_WorkersKeepRunningOtherTasksThenAllResumeOnce()
    {
        var resumed = 0;
        var dag = Dag.Create("many_waits")
            .Task("wait", ctx =>
            {
                if (ctx.TriggerEvent is null)
                {
                    ctx.Defer(new ExternalEventTrigger { Name = "go" });
                }

                Interlocked.Increment(ref resumed);
                return ctx.Arg<int>("n");
            })
            .Expand("wait", Gale.Dags.MapSource.Literal("n", Enumerable.Range(0, 1000).ToArray()))
            .Task("other_1", async _ => await Task.Delay(20))
            .Task("other_2", async _ => await Task.Delay(20), after: "other_1")
            .Task("other_3", async _ => await Task.Delay(20), after: "other_2")
            .Build();
        // One worker with 8 activity slots: 1,000 waits are far more than the slots.
        await using var one = await HubAsync(dag, 8);
        var runs = one.Runs;
        var key = new RunKey("many_waits", "manual__many");
        await runs.CreateRunAsync(dag, new DagRun { DagId = key.DagId, RunId = key.RunId, QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });

        // Eight worker slots took all 1,000 to deferred, and the other tasks still ran: waiting holds no slot.
        var waiting = await WaitForAsync(runs, key, s => s.Tasks.Values.Count(t => t.TaskId == "wait" && t.State == TaskInstanceState.Deferred) == 1000);
        Assert.Equal(TaskInstanceState.Success, (await WaitForAsync(runs, key, s => s.Find(new("other_3"))!.State.IsFinished())).Find(new("other_3"))!.State);
        Assert.Equal(0, Volatile.Read(ref resumed));
        Assert.All(waiting.Tasks.Values.Where(t => t.TaskId == "wait"), t => Assert.Null(t.WorkerId));
        Assert.Equal(DagRunState.Running, waiting.Run.State);

        await runs.ApplyAsync(key, [new ExternalEventRaised { EventId = "go-1", Name = "go", Data = "1", At = DateTimeOffset.UtcNow }]);
        var done = await WaitForAsync(runs, key, s => s.Run.State.IsFinished());

        Assert.Equal(DagRunState.Success, done.Run.State);
        Assert.True(Volatile.Read(ref resumed) >= 1000, $"resumed {resumed}"); // task code runs at least once
        Assert.Equal(1000, done.Tasks.Values.Count(t => t.TaskId == "wait" && t.State == TaskInstanceState.Success));
        Assert.All(done.Tasks.Values.Where(t => t.TaskId == "wait"), t => Assert.Equal(1, t.TryNumber));
    }

    [Fact]
    public async Task Defer_HostStopsWhileTasksWait_AnotherHostResumesThemWhenTheTimerFires()
    {
        var resumedBy = new System.Collections.Concurrent.ConcurrentBag<string>();
        var current = "first";
        var dag = Dag.Create("survives")
            .Task("nap", ctx =>
            {
                if (ctx.TriggerEvent is null)
                {
                    ctx.Defer(new TimeDeltaTrigger { Delta = TimeSpan.FromSeconds(3) });
                }

                resumedBy.Add(Volatile.Read(ref current));
            })
            .Task("after", _ => { }, after: "nap")
            .Build();
        var hubName = NewHubName();
        var key = new RunKey("survives", "manual__survives");
        await using (var first = await HubAsync(dag, 4, hubName))
        {
            await first.Runs.CreateRunAsync(dag, new DagRun { DagId = key.DagId, RunId = key.RunId, QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });
            await WaitForAsync(first.Runs, key, s => s.Find(new("nap"))!.State == TaskInstanceState.Deferred);
        }

        await Task.Delay(TimeSpan.FromSeconds(4)); // the timer comes due while no worker runs
        Volatile.Write(ref current, "second");
        await using var second = await HubAsync(dag, 4, hubName);
        var done = await WaitForAsync(second.Runs, key, s => s.Run.State.IsFinished(), 90);

        Assert.Equal(DagRunState.Success, done.Run.State);
        Assert.Equal(["second"], resumedBy); // resumed once, by the worker that came after the timer
    }

    [Fact]
    public async Task Cleanup_FailedRun_DeletesTheRegisteredBlobPrefixOnly()
    {
        var container = "scratch" + Guid.NewGuid().ToString("N")[..10];
        var blobs = azurite.Account.GetBlobContainerClient(container);
        await blobs.CreateIfNotExistsAsync();
        await blobs.GetBlobClient("keep/other.csv").UploadAsync(BinaryData.FromString("k"), overwrite: true);
        var dag = Dag.Create("cleanup_on_azure")
            .Task("stage", async ctx =>
            {
                for (var i = 0; i < 3; i++)
                {
                    await blobs.GetBlobClient($"{ctx.RunId}/part-{i}.csv").UploadAsync(BinaryData.FromString("x"), overwrite: true);
                }

                await ctx.RegisterCleanupAsync(Gale.Cleanup.CleanupKind.BlobPrefix, container, ctx.RunId + "/");
            })
            .Task("load", _ => throw new InvalidOperationException("warehouse down"), after: "stage")
            .Cleanup()
            .Build();
        var services = new TaskServices { CleanupRegistry = new TableCleanupRegistry(await azurite.NewTableAsync()), Artifacts = new StorageArtifactStore(azurite.Account) };
        await using var one = await HubAsync(dag, 4, services: services);
        var runs = one.Runs;
        var key = new RunKey("cleanup_on_azure", "manual__cleanup");
        await runs.CreateRunAsync(dag, new DagRun { DagId = key.DagId, RunId = key.RunId, QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });

        var done = await WaitForAsync(runs, key, s => s.Run.State.IsFinished(), 60);

        Assert.Equal(DagRunState.Failed, done.Run.State);
        Assert.Equal(TaskInstanceState.Success, done.Find(new("cleanup"))!.State);
        var left = new List<string>();
        await foreach (var blob in blobs.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, CancellationToken.None))
        {
            left.Add(blob.Name);
        }

        Assert.Equal(["keep/other.csv"], left);
    }

    [Fact]
    public async Task Defer_TenSecondTimerEarlyEventAndTimeouts_OnAzurite()
    {
        var timerRuns = 0;
        var dag = Dag.Create("mixed_waits")
            .Task("timer", ctx =>
            {
                if (ctx.TriggerEvent is null)
                {
                    ctx.Defer(new TimeDeltaTrigger { Delta = TimeSpan.FromSeconds(10) });
                }

                Interlocked.Increment(ref timerRuns);
            })
            .Task("slow", async _ => await Task.Delay(1500))
            .Task("early_event", ctx => ctx.TriggerEvent is { } e ? e.GetString() : Deferred(ctx, "ping"), after: "slow")
            .Task("times_out", ctx => ctx.Defer(new ExternalEventTrigger { Name = "never" }, timeout: TimeSpan.FromSeconds(2)))
            .Task("soft_fails", new Gale.Operators.WaitForEventOperator("never") { Timeout = TimeSpan.FromSeconds(2), SoftFail = true })
            .Build();
        await using var one = await HubAsync(dag, 4);
        var runs = one.Runs;
        var key = new RunKey("mixed_waits", "manual__mixed");
        var started = DateTimeOffset.UtcNow;
        await runs.CreateRunAsync(dag, new DagRun { DagId = key.DagId, RunId = key.RunId, QueuedAt = started, LogicalDate = started });
        await runs.ApplyAsync(key, [new ExternalEventRaised { EventId = "ping-1", Name = "PING", Data = "\"pong\"", At = DateTimeOffset.UtcNow }]); // before anyone waits

        var done = await WaitForAsync(runs, key, s => s.Run.State.IsFinished(), 90);

        Assert.Equal(TaskInstanceState.Success, done.Find(new("timer"))!.State);
        Assert.InRange(done.Find(new("timer"))!.EndDate!.Value - started, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(80));
        Assert.Equal(1, Volatile.Read(ref timerRuns)); // fired once
        Assert.Equal(TaskInstanceState.Success, done.Find(new("early_event"))!.State);
        Assert.Equal((TaskInstanceState.Failed, TaskInstanceState.Skipped), (done.Find(new("times_out"))!.State, done.Find(new("soft_fails"))!.State));
        Assert.Contains("trigger timed out", done.Find(new("times_out"))!.Message, StringComparison.Ordinal);
        Assert.Empty(done.PendingEvents);
    }

    private static string Deferred(Gale.Execution.TaskContext ctx, string name)
    {
        ctx.Defer(new ExternalEventTrigger { Name = name });
        return string.Empty;
    }
}
