using System.Collections.Concurrent;
using Gale.Dags;
using Gale.Engine;
using Gale.Execution;
using Gale.InMemory;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Triggers;

namespace Gale.Core.Tests.Triggers;

public sealed class DeferrableTaskTests
{
    private static DagRun Run(Dag dag) => new() { DagId = dag.DagId, RunId = "manual__d", QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow };

    [Theory]
    [InlineData(10)]
    [InlineData(8 * 24 * 3600)] // longer than a queue message may stay hidden: the timer is chained
    public async Task TimeDeltaTrigger_InDagsTest_FiresOnceAndResumesInTheSameTry(int seconds)
    {
        var executions = new ConcurrentQueue<string>();
        var dag = Dag.Create("timer")
            .Task("wait", async ctx =>
            {
                executions.Enqueue($"{ctx.TryNumber}:{ctx.NextMethod ?? "start"}");
                if (ctx.NextMethod is null)
                {
                    await ctx.XCom.PushAsync("before", "kept");
                    ctx.Defer(new TimeDeltaTrigger { Delta = TimeSpan.FromSeconds(seconds) }, "done", new { note = "hi" });
                }

                return $"{ctx.XCom.Pull<string>("wait", "before")} {ctx.NextKwargs.GetProperty("note").GetString()} {ctx.TriggerEvent!.Value.GetDateTimeOffset():O}";
            })
            .Task("after", _ => { }, after: "wait")
            .Build();
        var started = DateTimeOffset.UtcNow;

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        Assert.Equal(["1:start", "1:done"], executions);
        var value = await result.XComs.GetAsync(new Gale.Execution.XComKey("timer", "manual__d", "wait", -1, XComAccessor.ReturnValueKey));
        var parts = System.Text.Json.JsonSerializer.Deserialize<string>(value!)!.Split(' ');
        Assert.Equal(["kept", "hi"], parts[..2]);
        var firedAt = DateTimeOffset.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(firedAt - started, TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(seconds + 30));
        Assert.Equal(1, result.Snapshot.Find(new("wait"))!.TryNumber);
        Assert.Null(result.Snapshot.Find(new("wait"))!.Deferral);
    }

    [Fact]
    public async Task Defer_WithTimeout_TriggerNeverFires_TaskFailsAndDownstreamIsUpstreamFailed()
    {
        var dag = Dag.Create("timeout")
            .Task("wait", ctx => ctx.Defer(new ExternalEventTrigger { Name = "never" }, timeout: TimeSpan.FromMinutes(5)))
            .Task("after", _ => { }, after: "wait")
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        Assert.Equal(TaskInstanceState.Failed, result.Snapshot.Find(new("wait"))!.State);
        Assert.Contains("trigger timed out", result.Snapshot.Find(new("wait"))!.Message, StringComparison.Ordinal);
        Assert.Equal(TaskInstanceState.UpstreamFailed, result.Snapshot.Find(new("after"))!.State);
    }

    [Fact]
    public async Task Defer_SoftFailTimeout_TaskIsSkipped()
    {
        var dag = Dag.Create("soft")
            .Task("wait", _ => throw new TaskDeferredException(new ExternalEventTrigger { Name = "never" }, "execute_complete", "{}", TimeSpan.FromMinutes(1)) { OnTimeout = DeferralTimeoutOutcome.Skip })
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        Assert.Equal(TaskInstanceState.Skipped, result.Snapshot.Find(new("wait"))!.State);
    }

    [Fact]
    public async Task ExternalEvent_SentBeforeAndAfterTheWait_BothDeliveredWithTheirData()
    {
        var got = new ConcurrentDictionary<string, string>();
        var dag = Dag.Create("events")
            .Task("slow", _ => { })
            .Task("early", ctx => Wait(ctx, "GO", got), after: "slow")
            .Task("late", ctx => Wait(ctx, "later", got))
            .Build();
        var clock = new SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(new DagBag([dag]), new TaskServices(), clock);
        var run = Run(dag);
        await hub.Runs.CreateRunAsync(dag, run);

        // "go" arrives before "early" even runs (names match case-insensitively); the run keeps it for the wait.
        await hub.Runs.ApplyAsync(run.Key, [new ExternalEventRaised { EventId = "ev-go", Name = "go", Data = "\"early bird\"", At = clock.GetUtcNow() }]);
        Assert.False(await hub.RunUntilIdleAsync()); // stuck: "late" waits for an event nobody sent yet
        var waiting = (await hub.Runs.LoadAsync(run.Key))!;
        Assert.Equal(TaskInstanceState.Success, waiting.Find(new("early"))!.State);
        Assert.Equal(TaskInstanceState.Deferred, waiting.Find(new("late"))!.State);
        Assert.Equal(DagRunState.Running, waiting.Run.State);

        // "later" arrives while "late" waits for it.
        await hub.Runs.ApplyAsync(run.Key, [new ExternalEventRaised { EventId = "ev-later", Name = "LATER", Data = "7", At = clock.GetUtcNow() }]);
        Assert.True(await hub.RunUntilIdleAsync());

        var done = (await hub.Runs.LoadAsync(run.Key))!;
        Assert.Equal(DagRunState.Success, done.Run.State);
        Assert.Equal("\"early bird\"", got["early"]);
        Assert.Equal("7", got["late"]);
        Assert.All(done.Tasks.Values, t => Assert.Equal(1, t.TryNumber));
    }

    private static string? Wait(TaskContext ctx, string name, ConcurrentDictionary<string, string> got)
    {
        if (ctx.TriggerEvent is null)
        {
            ctx.Defer(new ExternalEventTrigger { Name = name });
        }

        got[ctx.TaskId] = ctx.TriggerEvent!.Value.GetRawText();
        return null;
    }
}
