using System.Collections.Concurrent;
using Gale.Dags;
using Gale.Engine;
using Gale.Execution;
using Gale.Operators;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Triggers;

namespace Gale.Core.Tests.Triggers;

/// <summary>A condition that holds from its Nth poke on (polls are counted per <see cref="Key"/> across processes' deserialized copies).</summary>
public sealed class CountingTrigger : PollingTrigger
{
    public static readonly ConcurrentDictionary<string, int> Polls = new(StringComparer.Ordinal);

    public required string Key { get; init; }

    public int FiresOnPoll { get; init; } = 3;

    public override ValueTask<(bool Done, object? Event)> PollAsync(TriggerContext context)
    {
        var n = Polls.AddOrUpdate(Key, 1, (_, v) => v + 1);
        return ValueTask.FromResult<(bool, object?)>((n >= FiresOnPoll, new { polls = n }));
    }
}

public sealed class SensorTests
{
    private static async Task<(DagTestResult Result, int Polls)> RunAsync(SensorOperator sensor, int retries = 0, [System.Runtime.CompilerServices.CallerMemberName] string key = "")
    {
        var dag = Dag.Create("sensing")
            .Task("sense", sensor, options: new TaskOptions { Retries = retries, RetryDelay = TimeSpan.FromSeconds(1) })
            .Task("after", _ => { }, after: "sense")
            .Build();
        var result = await DagTestRunner.RunAsync(dag, new DagRun { DagId = "sensing", RunId = "manual__s", QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });
        return (result, CountingTrigger.Polls.GetValueOrDefault(key));
    }

    private static CountingTrigger Condition(string key, int firesOn, TimeSpan? interval = null)
    {
        CountingTrigger.Polls.TryRemove(key, out _);
        return new() { Key = key, FiresOnPoll = firesOn, PokeInterval = interval ?? TimeSpan.FromSeconds(30) };
    }

    [Theory]
    [InlineData(SensorMode.Deferrable)]
    [InlineData(SensorMode.Reschedule)]
    [InlineData(SensorMode.Poke)]
    public async Task Sensor_ConditionHoldsOnTheThirdPoke_SucceedsInTryOneWithTheEvent(SensorMode mode)
    {
        var interval = mode == SensorMode.Poke ? TimeSpan.FromMilliseconds(50) : TimeSpan.FromSeconds(30);

        var key = $"holds-{mode}";
        var (result, polls) = await RunAsync(new SensorOperator(Condition(key, 3, interval)) { Mode = mode }, key: key);

        var ti = result.Snapshot.Find(new("sense"))!;
        Assert.Equal((TaskInstanceState.Success, 1), (ti.State, ti.TryNumber));
        Assert.Equal(3, polls);
        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        var value = await result.XComs.GetAsync(new XComKey("sensing", "manual__s", "sense", -1, XComAccessor.ReturnValueKey));
        Assert.Equal("""{"polls":3}""", value);
    }

    [Fact]
    public async Task Sensor_Reschedule_WaitsAsUpForRescheduleWithoutHoldingTheWorker()
    {
        var dag = Dag.Create("resched").Task("sense", new SensorOperator(Condition("resched", 3, TimeSpan.FromMinutes(5))) { Mode = SensorMode.Reschedule }).Build();
        var clock = new Gale.InMemory.SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(new DagBag([dag]), new TaskServices(), clock);
        var run = new DagRun { DagId = "resched", RunId = "manual__r", QueuedAt = clock.GetUtcNow(), LogicalDate = clock.GetUtcNow() };
        await hub.Runs.CreateRunAsync(dag, run);

        Assert.True(await hub.RunUntilIdleAsync());

        // Between pokes the instance is up_for_reschedule in try 1: each poke is its own activity and the wait is a
        // durable timer, so nothing holds a worker for the five minutes.
        var history = (await hub.Runs.ReadHistoryAsync(run.Key)).Where(t => t.TaskId == "sense").ToList();
        var waits = history.Where(t => t.To == TaskInstanceState.UpForReschedule).ToList();
        Assert.True(waits.Count == 2, string.Join("; ", history.Select(t => $"{t.From}->{t.To} try {t.TryNumber} {t.WorkerId} {t.At:HH:mm:ss}")));
        Assert.All(waits, t => Assert.Equal(1, t.TryNumber));
        Assert.Equal(3, history.Count(t => t.To == TaskInstanceState.Running));
        var ti = (await hub.Runs.LoadAsync(run.Key))!.Find(new("sense"))!;
        Assert.Equal((TaskInstanceState.Success, 1), (ti.State, ti.TryNumber));
        Assert.True(clock.Skipped >= TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1), $"skipped {clock.Skipped}"); // two waits of five minutes
    }

    [Theory]
    [InlineData(SensorMode.Deferrable, false, TaskInstanceState.Failed)]
    [InlineData(SensorMode.Deferrable, true, TaskInstanceState.Skipped)]
    [InlineData(SensorMode.Reschedule, false, TaskInstanceState.Failed)]
    [InlineData(SensorMode.Reschedule, true, TaskInstanceState.Skipped)]
    [InlineData(SensorMode.Poke, false, TaskInstanceState.Failed)]
    [InlineData(SensorMode.Poke, true, TaskInstanceState.Skipped)]
    public async Task Sensor_NeverHolds_TimesOutWithoutRetryOrSkipsWithSoftFail(SensorMode mode, bool softFail, TaskInstanceState expected)
    {
        var interval = mode == SensorMode.Poke ? TimeSpan.FromMilliseconds(20) : TimeSpan.FromMinutes(1);
        var timeout = mode == SensorMode.Poke ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromMinutes(10);

        var key = $"never-{mode}-{softFail}";
        var (result, polls) = await RunAsync(new SensorOperator(Condition(key, int.MaxValue, interval)) { Mode = mode, Timeout = timeout, SoftFail = softFail }, retries: 2, key: key);

        var ti = result.Snapshot.Find(new("sense"))!;
        Assert.Equal((expected, 1), (ti.State, ti.TryNumber));
        Assert.Contains("timed out", ti.Message, StringComparison.Ordinal);
        Assert.True(polls >= 2, $"polls: {polls}");
        Assert.Equal(expected == TaskInstanceState.Skipped ? TaskInstanceState.Skipped : TaskInstanceState.UpstreamFailed, result.Snapshot.Find(new("after"))!.State);
    }

    [Theory]
    [InlineData(false, 0, 60)]
    [InlineData(false, 5, 60)]
    [InlineData(true, 0, 60)]
    [InlineData(true, 1, 120)]
    [InlineData(true, 3, 480)]
    [InlineData(true, 10, 3600)]
    public void IntervalAfter_BackoffDoublesUpToTheCap(bool backoff, int checks, int expectedSeconds)
    {
        var trigger = new CountingTrigger { Key = "k", PokeInterval = TimeSpan.FromSeconds(60), ExponentialBackoff = backoff };

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), trigger.IntervalAfter(checks));
    }
}

public sealed class YamlSensorTests
{
    [Fact]
    public async Task BlobSensor_FileThereOrNever_SucceedsOrTimesOutSkippedOnTheTestClock()
    {
        var root = Directory.CreateTempSubdirectory("gale-blobs-").FullName;
        try
        {
            var dag = Gale.Yaml.YamlDagLoader.Load("sensor.yaml", """
                dag_id: yaml_sensor
                tasks:
                  - id: wait_for_file
                    operator: blob_sensor
                    container: landing
                    prefix: "2024/"
                    poke_interval: 30s
                    timeout: 1h
                  - id: never_arrives
                    operator: blob_sensor
                    container: landing
                    blob: missing.csv
                    timeout: 2h
                    soft_fail: true
                  - id: load
                    operator: shell
                    command: "echo loaded"
                    upstream: [wait_for_file]
                """);
            var services = new TaskServices { Objects = new LocalObjectProbe(root) };
            Directory.CreateDirectory(Path.Combine(root, "landing", "2024"));
            await File.WriteAllTextAsync(Path.Combine(root, "landing", "2024", "data.csv"), "a,b");

            var result = await DagTestRunner.RunAsync(dag, new DagRun { DagId = "yaml_sensor", RunId = "manual__y", QueuedAt = DateTimeOffset.UtcNow }, new DagTestOptions { Services = services });

            Assert.True(result.Snapshot.Run.State == DagRunState.Success, string.Join("; ", result.Snapshot.Tasks.Values.Select(t => $"{t.TaskId} {t.State} {t.Message}")));
            Assert.Equal((TaskInstanceState.Success, 1), (result.Snapshot.Find(new("wait_for_file"))!.State, result.Snapshot.Find(new("wait_for_file"))!.TryNumber));
            Assert.Equal(TaskInstanceState.Success, result.Snapshot.Find(new("load"))!.State);
            Assert.Equal(TaskInstanceState.Skipped, result.Snapshot.Find(new("never_arrives"))!.State);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("operator: blob_sensor\n    container: c\n    blob: a\n    prefix: b", "give exactly one of blob")]
    [InlineData("operator: blob_sensor\n    container: c\n    blob: a\n    mode: sometimes", "'sometimes' is not a sensor mode")]
    [InlineData("operator: external_task_sensor", "external_dag_id")]
    [InlineData("operator: http_sensor", "url")]
    public void Sensor_BadFields_ErrorNamesTheFieldAndFile(string fields, string expected)
    {
        var e = Assert.Throws<Gale.Yaml.YamlDagException>(() => Gale.Yaml.YamlDagLoader.Load("bad_sensor.yaml", $"dag_id: bad\ntasks:\n  - id: s\n    {fields}\n"));

        Assert.Contains("bad_sensor.yaml", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}

/// <summary>A custom trigger that keeps its check count in the trigger state store and fires on the third check.</summary>
public sealed class StatefulTrigger : Trigger
{
    public required string Key { get; init; }

    public override DateTimeOffset? FirstCheckAt(DateTimeOffset now) => now;

    public override async ValueTask<TriggerCheck> CheckAsync(TriggerContext context)
    {
        var entry = await context.State.GetAsync("tests", "stateful", Key, context.CancellationToken);
        var count = entry is null ? 1 : int.Parse(entry.Value, System.Globalization.CultureInfo.InvariantCulture) + 1;
        if (await context.State.TrySetAsync("tests", "stateful", Key, count.ToString(System.Globalization.CultureInfo.InvariantCulture), entry?.Version, context.CancellationToken) is null)
        {
            throw new InvalidOperationException("another check updated the state first");
        }

        return count >= 3 ? TriggerCheck.Fire(new { count }) : TriggerCheck.Later(context.Now + TimeSpan.FromMinutes(1));
    }
}

public sealed class CustomTriggerTests
{
    [Fact]
    public async Task CustomTrigger_KeepsStateBetweenChecks_FiresOnTheThirdAndResumes()
    {
        var dag = Dag.Create("custom")
            .Task("wait", ctx =>
            {
                if (ctx.TriggerEvent is null)
                {
                    ctx.Defer(new StatefulTrigger { Key = "run1" });
                }

                return ctx.TriggerEvent!.Value.GetProperty("count").GetInt32();
            })
            .Build();
        var services = new TaskServices();

        var result = await DagTestRunner.RunAsync(dag, new DagRun { DagId = "custom", RunId = "manual__c", QueuedAt = DateTimeOffset.UtcNow }, new DagTestOptions { Services = services });

        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        Assert.Equal("3", (await services.TriggerState.GetAsync("tests", "stateful", "run1"))!.Value);
        Assert.Equal("3", await result.XComs.GetAsync(new XComKey("custom", "manual__c", "wait", -1, XComAccessor.ReturnValueKey)));
        Assert.Equal(typeof(StatefulTrigger).FullName, new StatefulTrigger { Key = "x" }.Kind);
    }
}
