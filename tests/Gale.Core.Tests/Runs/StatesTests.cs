using Gale.Runs;

namespace Gale.Core.Tests.Runs;

public sealed class StatesTests
{
    public static TheoryData<TaskInstanceState, string> TaskNames => new()
    {
        { TaskInstanceState.None, "none" },
        { TaskInstanceState.Scheduled, "scheduled" },
        { TaskInstanceState.Queued, "queued" },
        { TaskInstanceState.Running, "running" },
        { TaskInstanceState.Success, "success" },
        { TaskInstanceState.Failed, "failed" },
        { TaskInstanceState.Skipped, "skipped" },
        { TaskInstanceState.UpstreamFailed, "upstream_failed" },
        { TaskInstanceState.UpForRetry, "up_for_retry" },
        { TaskInstanceState.UpForReschedule, "up_for_reschedule" },
        { TaskInstanceState.Deferred, "deferred" },
        { TaskInstanceState.Removed, "removed" },
        { TaskInstanceState.Restarting, "restarting" },
    };

    [Theory]
    [MemberData(nameof(TaskNames))]
    public void TaskState_AirflowName_RoundTrips(TaskInstanceState state, string name)
    {
        Assert.Equal(name, state.ToAirflowName());
        Assert.Equal(state, States.ParseTaskState(name));
        Assert.Equal(state, States.ParseTaskState(name.ToUpperInvariant()));
    }

    [Fact]
    public void TaskState_EveryEnumValue_HasAName() =>
        Assert.Equal(Enum.GetValues<TaskInstanceState>().Length, TaskNames.Count);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void ParseTaskState_NullOrEmpty_IsNone(string? name) =>
        Assert.Equal(TaskInstanceState.None, States.ParseTaskState(name));

    [Fact]
    public void ParseTaskState_Unknown_ListsValidNames()
    {
        var e = Assert.Throws<FormatException>(() => States.ParseTaskState("done"));

        Assert.Contains("'done' is not a task instance state", e.Message, StringComparison.Ordinal);
        Assert.Contains("upstream_failed", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TaskInstanceState.Success, true)]
    [InlineData(TaskInstanceState.Failed, true)]
    [InlineData(TaskInstanceState.Skipped, true)]
    [InlineData(TaskInstanceState.UpstreamFailed, true)]
    [InlineData(TaskInstanceState.Removed, true)]
    [InlineData(TaskInstanceState.None, false)]
    [InlineData(TaskInstanceState.Scheduled, false)]
    [InlineData(TaskInstanceState.Queued, false)]
    [InlineData(TaskInstanceState.Running, false)]
    [InlineData(TaskInstanceState.UpForRetry, false)]
    [InlineData(TaskInstanceState.UpForReschedule, false)]
    [InlineData(TaskInstanceState.Deferred, false)]
    [InlineData(TaskInstanceState.Restarting, false)]
    public void IsFinished_MatchesAirflowFinishedSet(TaskInstanceState state, bool finished)
    {
        Assert.Equal(finished, state.IsFinished());
        Assert.Equal(!finished, States.Unfinished.Contains(state));
    }

    [Theory]
    [InlineData(DagRunState.Queued, "queued", false)]
    [InlineData(DagRunState.Running, "running", false)]
    [InlineData(DagRunState.Success, "success", true)]
    [InlineData(DagRunState.Failed, "failed", true)]
    public void RunState_NameAndFinished(DagRunState state, string name, bool finished)
    {
        Assert.Equal(name, state.ToAirflowName());
        Assert.Equal(state, States.ParseRunState(name));
        Assert.Equal(finished, state.IsFinished());
    }

    [Fact]
    public void ParseRunState_Unknown_Throws() =>
        Assert.Contains("not a DAG run state", Assert.Throws<FormatException>(() => States.ParseRunState("paused")).Message, StringComparison.Ordinal);
}
