using System.Collections.Immutable;
using Gale.Orchestration.Runs;
using Gale.Runs;

namespace Gale.Orchestration.Tests;

public sealed class RunStatusTests
{
    [Fact]
    public void Publish_TenThousandMappedInstances_ListsEveryOneWithinTheBackendLimit()
    {
        var at = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var tasks = Enumerable.Range(0, 10_000).Select(i => new TaskInstance { TaskId = "each", MapIndex = i, State = i % 2 == 0 ? TaskInstanceState.Success : TaskInstanceState.Running, TryNumber = 1, StartDate = at.AddSeconds(i), WorkerId = "durable-task" });
        var snapshot = new RunSnapshot
        {
            Run = new DagRun { DagId = "big", RunId = "r", State = DagRunState.Running, StartDate = at },
            Tasks = tasks.ToImmutableSortedDictionary(t => t.Key, t => t),
        };

        var encoded = RunStatus.Publish(snapshot);
        var decoded = RunStatus.Decode(encoded);

        // DurableTask.AzureStorage stores custom status in one table property: 32K UTF-16 characters at most.
        Assert.True(encoded.Length <= RunStatus.MaxEncodedLength, $"{encoded.Length:N0} characters");
        Assert.Equal(DagRunState.Running, decoded.State);
        Assert.True(decoded.Complete);
        Assert.Equal(10_000, decoded.Tasks.Count);
        Assert.Equal(new TaskInstance { TaskId = "each", MapIndex = 1, State = TaskInstanceState.Running, TryNumber = 1, StartDate = at.AddSeconds(1), WorkerId = "durable-task" }, decoded.Tasks[1]);
        Assert.Equal(5_000, decoded.Counts["each"][TaskInstanceState.Success]);
        Assert.Equal(5_000, decoded.Counts["each"][TaskInstanceState.Running]);
    }

    [Fact]
    public void Publish_TooManyToFit_ListsTheUnfinishedAndSaysItIsIncomplete()
    {
        // Distinct workers and scattered dates compress badly: 60,000 of them cannot fit in one table property.
        var at = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(7);
        var tasks = Enumerable.Range(0, 60_000).Select(i => new TaskInstance
        {
            TaskId = "each",
            MapIndex = i,
            State = i % 10 == 0 ? TaskInstanceState.Running : TaskInstanceState.Success,
            TryNumber = 1,
            StartDate = at.AddMilliseconds(random.Next()),
            EndDate = at.AddMilliseconds(random.Next()),
            WorkerId = $"worker-{random.Next()}",
        });
        var snapshot = new RunSnapshot
        {
            Run = new DagRun { DagId = "big", RunId = "r", State = DagRunState.Running, StartDate = at },
            Tasks = tasks.ToImmutableSortedDictionary(t => t.Key, t => t),
        };

        var encoded = RunStatus.Publish(snapshot);
        var decoded = RunStatus.Decode(encoded);

        Assert.True(encoded.Length <= RunStatus.MaxEncodedLength, $"{encoded.Length:N0} characters");
        Assert.False(decoded.Complete);
        Assert.NotEmpty(decoded.Tasks);
        Assert.All(decoded.Tasks, t => Assert.Equal(TaskInstanceState.Running, t.State));
        Assert.Equal(54_000, decoded.Counts["each"][TaskInstanceState.Success]);
        Assert.Equal(6_000, decoded.Counts["each"][TaskInstanceState.Running]);
    }

    [Fact]
    public void EncodeDecode_SmallRun_ListsEveryInstance()
    {
        var snapshot = new RunSnapshot
        {
            Run = new DagRun { DagId = "small", RunId = "r", State = DagRunState.Success },
            Tasks = new[] { new TaskInstance { TaskId = "a", State = TaskInstanceState.Success, TryNumber = 2 }, new TaskInstance { TaskId = "b", State = TaskInstanceState.Skipped } }.ToImmutableSortedDictionary(t => t.Key, t => t),
        };

        var decoded = RunStatus.Decode(RunStatus.From(snapshot).Encode());

        Assert.True(decoded.Complete);
        Assert.Equal([("a", TaskInstanceState.Success, 2), ("b", TaskInstanceState.Skipped, 0)], decoded.Tasks.Select(t => (t.TaskId, t.State, t.TryNumber)));
        Assert.Equal(1, decoded.Counts["b"][TaskInstanceState.Skipped]);
    }

    [Fact]
    public void ToSnapshot_EveryListedField_RoundTripsButTheDeferral()
    {
        var at = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var run = new DagRun { DagId = "d", RunId = "r", State = DagRunState.Running, QueuedAt = at, StartDate = at.AddSeconds(1), Conf = "{\"x\":1}", RunType = DagRunType.Scheduled, LogicalDate = at.AddDays(-1) };
        var retrying = new TaskInstance { TaskId = "a", State = TaskInstanceState.UpForRetry, TryNumber = 1, MaxTries = 3, QueuedAt = at.AddSeconds(2), StartDate = at.AddSeconds(3), EndDate = at.AddSeconds(4), NextRetryAt = at.AddMinutes(5), WorkerId = "w1", Message = "boom" };
        var deferred = new TaskInstance { TaskId = "b", MapIndex = 0, State = TaskInstanceState.Deferred, TryNumber = 1, MaxTries = 1, WorkerId = "w1", HeartbeatAt = at, ResultLength = 2, Deferral = new Deferral { Trigger = "external_event", EventName = "go" } };
        var snapshot = new RunSnapshot { Run = run, Tasks = new[] { retrying, deferred }.ToImmutableSortedDictionary(t => t.Key, t => t) };

        var back = RunStatus.Decode(RunStatus.Publish(snapshot)).ToSnapshot();

        Assert.Equal(run, back.Run);
        Assert.Equal(retrying, back.Find(retrying.Key));
        Assert.Equal(deferred with { HeartbeatAt = null, ResultLength = null, Deferral = null }, back.Find(deferred.Key));
    }

    [Fact]
    public void Decode_NotAStatus_FormatException() => Assert.Throws<FormatException>(() => RunStatus.Decode(Convert.ToBase64String("plain"u8.ToArray())));
}
