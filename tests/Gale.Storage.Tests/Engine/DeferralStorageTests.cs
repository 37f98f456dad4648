using Gale.Dags;
using Gale.Engine;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Storage.Engine;
using Gale.Triggers;

namespace Gale.Storage.Tests.Engine;

/// <summary>Deferred tasks on a real Azurite: waits hold no worker, survive hosts going away, and resume exactly once.</summary>
public sealed class DeferralStorageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private async Task<(TableRunStore Runs, Func<string, int, EngineHost> Host)> EngineAsync(Dag dag, int leaseSeconds = 30, TaskServices? services = null)
    {
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var tasks = await azurite.NewQueueAsync();
        var control = await azurite.NewQueueAsync();
        EngineHost Host(string id, int slots) => new(runs, new DagBag([dag]), new StorageMessageQueue(tasks, TimeProvider.System), new StorageMessageQueue(control, TimeProvider.System),
            services ?? new TaskServices(), TimeProvider.System,
            new EngineOptions { WorkerId = id, Lease = TimeSpan.FromSeconds(leaseSeconds), MaxPollInterval = TimeSpan.FromMilliseconds(200), TaskConcurrency = slots });
        return (runs, Host);
    }

    private static async Task<RunSnapshot> WaitForAsync(TableRunStore runs, RunKey key, Func<RunSnapshot, bool> condition, int seconds = 120)
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
        // One host with 8 worker slots: 1,000 waits are far more than the slots. (Two hosts writing one run of 1,000
        // busy instances contend on its entity group; that hot spot is its own work, see docs/engine.md.)
        var (runs, host) = await EngineAsync(dag, leaseSeconds: 60);
        await using var one = host("w1", 8);
        one.Start();
        var key = new RunKey("many_waits", "manual__many");
        await one.Engine.CreateRunAsync(dag, new DagRun { DagId = key.DagId, RunId = key.RunId, QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });

        // Eight worker slots took all 1,000 to deferred, and the other tasks still ran: waiting holds no slot.
        var waiting = await WaitForAsync(runs, key, s => s.Tasks.Values.Count(t => t.TaskId == "wait" && t.State == TaskInstanceState.Deferred) == 1000);
        Assert.Equal(TaskInstanceState.Success, (await WaitForAsync(runs, key, s => s.Find(new("other_3"))!.State.IsFinished())).Find(new("other_3"))!.State);
        Assert.Equal(0, Volatile.Read(ref resumed));
        Assert.All(waiting.Tasks.Values.Where(t => t.TaskId == "wait"), t => Assert.Null(t.WorkerId));
        Assert.Equal(DagRunState.Running, waiting.Run.State);

        await one.Engine.ApplyAsync(key, [new ExternalEventRaised { EventId = "go-1", Name = "go", Data = "1", At = DateTimeOffset.UtcNow }]);
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
        var dag = Dag.Create("survives")
            .Task("nap", ctx =>
            {
                if (ctx.TriggerEvent is null)
                {
                    ctx.Defer(new TimeDeltaTrigger { Delta = TimeSpan.FromSeconds(3) });
                }

                resumedBy.Add(ctx.TaskId);
            })
            .Task("after", _ => { }, after: "nap")
            .Build();
        var (runs, host) = await EngineAsync(dag);
        var key = new RunKey("survives", "manual__survives");
        await using (var first = host("first", 4))
        {
            first.Start();
            await first.Engine.CreateRunAsync(dag, new DagRun { DagId = key.DagId, RunId = key.RunId, QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });
            await WaitForAsync(runs, key, s => s.Find(new("nap"))!.State == TaskInstanceState.Deferred);
        }

        await Task.Delay(TimeSpan.FromSeconds(4)); // the timer comes due while no host runs
        await using var second = host("second", 4);
        second.Start();
        var done = await WaitForAsync(runs, key, s => s.Run.State.IsFinished(), 60);

        Assert.Equal(DagRunState.Success, done.Run.State);
        Assert.Single(resumedBy);
        Assert.Equal("second", done.Find(new("nap"))!.WorkerId);
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
        var (runs, host) = await EngineAsync(dag, services: services);
        await using var one = host("w1", 4);
        one.Start();
        var key = new RunKey("cleanup_on_azure", "manual__cleanup");
        await one.Engine.CreateRunAsync(dag, new DagRun { DagId = key.DagId, RunId = key.RunId, QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });

        var done = await WaitForAsync(runs, key, s => s.Run.State.IsFinished(), 60);

        Assert.Equal(DagRunState.Failed, done.Run.State);
        Assert.Equal(TaskInstanceState.Success, done.Find(new("cleanup"))!.State);
        var left = await blobs.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, CancellationToken.None).Select(b => b.Name).ToListAsync();
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
        var (runs, host) = await EngineAsync(dag);
        await using var one = host("w1", 4);
        one.Start();
        var key = new RunKey("mixed_waits", "manual__mixed");
        var started = DateTimeOffset.UtcNow;
        await one.Engine.CreateRunAsync(dag, new DagRun { DagId = key.DagId, RunId = key.RunId, QueuedAt = started, LogicalDate = started });
        await one.Engine.ApplyAsync(key, [new ExternalEventRaised { EventId = "ping-1", Name = "PING", Data = "\"pong\"", At = DateTimeOffset.UtcNow }]); // before anyone waits

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

    [Fact]
    public async Task RunStore_DeferralAndKeptEvents_RoundTrip()
    {
        var dag = Dag.Create("roundtrip").Task("a", _ => { }).Build();
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var snapshot = RunSnapshotFactory.Create(dag, new DagRun { DagId = "roundtrip", RunId = "r" }) with
        {
            PendingEvents = [new PendingEvent("approve", """{"by":"ana"}""", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))],
        };
        var deferral = new Deferral { Trigger = """{"kind":"datetime","args":{}}""", Method = null, Event = "\"quoted \\\"data\\\" é\"", Kwargs = """{"x":1}""", TimeoutAt = DateTimeOffset.UnixEpoch.AddDays(9), OnTimeout = DeferralTimeoutOutcome.Skip, EventName = "e", NextCheckAt = DateTimeOffset.UnixEpoch.AddDays(1), Checks = 3, Reschedule = true };
        snapshot = snapshot with { Tasks = snapshot.Tasks.SetItem(new("a"), snapshot.Find(new("a"))! with { State = TaskInstanceState.UpForReschedule, Deferral = deferral }) };

        await runs.CreateAsync(snapshot);
        var loaded = await runs.LoadAsync(snapshot.Key);

        Assert.Equal(deferral, loaded!.Find(new("a"))!.Deferral);
        Assert.Equal(snapshot.PendingEvents, loaded.PendingEvents);
    }
}
