using System.Collections.Immutable;
using Gale.Orchestration.Runs;
using Gale.Runs;

namespace Gale.Orchestration.Tests;

public sealed class RunStatusTests
{
    [Fact]
    public void EncodeDecode_TenThousandInstances_RoundTripsInAFewKiB()
    {
        var at = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var tasks = Enumerable.Range(0, 10_000).Select(i => new TaskInstance { TaskId = "each", MapIndex = i, State = i % 2 == 0 ? TaskInstanceState.Success : TaskInstanceState.Running, TryNumber = 1, StartDate = at.AddSeconds(i), WorkerId = "durable-task" });
        var snapshot = new RunSnapshot
        {
            Run = new DagRun { DagId = "big", RunId = "r", State = DagRunState.Running, StartDate = at },
            Tasks = tasks.ToImmutableSortedDictionary(t => t.Key, t => t),
        };

        var encoded = RunStatus.From(snapshot).Encode();
        var decoded = RunStatus.Decode(encoded);

        Assert.True(encoded.Length < 64 * 1024, $"{encoded.Length:N0} characters");
        Assert.Equal(DagRunState.Running, decoded.State);
        Assert.Equal(10_000, decoded.Tasks.Count);
        Assert.Equal(new TaskInstanceStatus("each", 4_999, TaskInstanceState.Running, 1, at.AddSeconds(4_999), null, "durable-task"), decoded.Tasks.Single(t => t.MapIndex == 4_999));
    }

    [Fact]
    public void Decode_NotAStatus_FormatException() => Assert.Throws<FormatException>(() => RunStatus.Decode(Convert.ToBase64String("plain"u8.ToArray())));
}
