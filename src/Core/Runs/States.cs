using System.Collections.Frozen;

namespace Gale.Runs;

/// <summary>Airflow's wire names for states, and the finished/unfinished sets Airflow's scheduler uses.</summary>
public static class States
{
    private static readonly FrozenDictionary<TaskInstanceState, string> TaskNames = new Dictionary<TaskInstanceState, string>
    {
        [TaskInstanceState.None] = "none",
        [TaskInstanceState.Scheduled] = "scheduled",
        [TaskInstanceState.Queued] = "queued",
        [TaskInstanceState.Running] = "running",
        [TaskInstanceState.Success] = "success",
        [TaskInstanceState.Failed] = "failed",
        [TaskInstanceState.Skipped] = "skipped",
        [TaskInstanceState.UpstreamFailed] = "upstream_failed",
        [TaskInstanceState.UpForRetry] = "up_for_retry",
        [TaskInstanceState.UpForReschedule] = "up_for_reschedule",
        [TaskInstanceState.Deferred] = "deferred",
        [TaskInstanceState.Removed] = "removed",
        [TaskInstanceState.Restarting] = "restarting",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, TaskInstanceState> TaskByName =
        TaskNames.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<DagRunState, string> RunNames = new Dictionary<DagRunState, string>
    {
        [DagRunState.Queued] = "queued",
        [DagRunState.Running] = "running",
        [DagRunState.Success] = "success",
        [DagRunState.Failed] = "failed",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, DagRunState> RunByName =
        RunNames.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    /// <summary>States a task instance never leaves on its own: success, failed, skipped, upstream_failed, removed.</summary>
    public static IReadOnlySet<TaskInstanceState> Finished { get; } = new[]
    {
        TaskInstanceState.Success, TaskInstanceState.Failed, TaskInstanceState.Skipped, TaskInstanceState.UpstreamFailed, TaskInstanceState.Removed,
    }.ToFrozenSet();

    /// <summary>Every state that is not finished.</summary>
    public static IReadOnlySet<TaskInstanceState> Unfinished { get; } =
        Enum.GetValues<TaskInstanceState>().Where(s => !Finished.Contains(s)).ToFrozenSet();

    /// <summary>True for a finished task state.</summary>
    public static bool IsFinished(this TaskInstanceState state) => Finished.Contains(state);

    /// <summary>True for a finished run state (success or failed).</summary>
    public static bool IsFinished(this DagRunState state) => state is DagRunState.Success or DagRunState.Failed;

    /// <summary>Airflow's name for the state, e.g. <c>upstream_failed</c>.</summary>
    public static string ToAirflowName(this TaskInstanceState state) => TaskNames[state];

    /// <summary>Airflow's name for the run state, e.g. <c>running</c>.</summary>
    public static string ToAirflowName(this DagRunState state) => RunNames[state];

    /// <summary>Parses an Airflow task state name (case-insensitive; <c>null</c> or empty means none).</summary>
    /// <exception cref="FormatException">Unknown name; the message lists the valid ones.</exception>
    public static TaskInstanceState ParseTaskState(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return TaskInstanceState.None;
        }

        return TaskByName.TryGetValue(name, out var state)
            ? state
            : throw new FormatException($"'{name}' is not a task instance state; expected one of {string.Join(", ", TaskNames.Values.Order(StringComparer.Ordinal))}.");
    }

    /// <summary>Parses an Airflow DAG run state name (case-insensitive).</summary>
    /// <exception cref="FormatException">Unknown name; the message lists the valid ones.</exception>
    public static DagRunState ParseRunState(string name) =>
        RunByName.TryGetValue(name ?? string.Empty, out var state)
            ? state
            : throw new FormatException($"'{name}' is not a DAG run state; expected one of queued, running, success, failed.");
}
