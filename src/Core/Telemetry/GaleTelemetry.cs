using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gale.Runs;

namespace Gale.Telemetry;

/// <summary>
/// Gale's traces and metrics, on the BCL's <see cref="ActivitySource"/> and <see cref="Meter"/> (both named
/// <see cref="Name"/>, "Gale"). Core only records; a host that wants them exported adds the source and the meter to an
/// OpenTelemetry SDK (<c>gale serve</c> does when OTEL_EXPORTER_OTLP_ENDPOINT is set, see docs/observability.md).
/// Without a listener every call here costs a few field reads.
/// </summary>
/// <remarks>
/// <para>Spans:</para>
/// <list type="bullet">
/// <item><see cref="AttemptSpanName"/>: one per task attempt, recorded by the process that ran it, from the start of
/// the operator to its outcome (a deferred try has one span per part). Parent: the run's span.</item>
/// <item><see cref="RunSpanName"/>: one per DAG run, recorded when the run finishes (by whichever process stored the
/// final state), from the run's start_date to its end_date. A run spans processes and hours, so its trace id and span
/// id are derived from the run (<see cref="RunTrace"/>): every process parents its attempt spans on the same context
/// without sharing any state, and the run span, recorded last, gets exactly that id.</item>
/// </list>
/// <para>Metrics: <see cref="TaskDurationName"/>, <see cref="TaskQueuedLatencyName"/>, <see cref="RunsFinishedName"/>
/// and <see cref="QueueDepthName"/>; the tags are the constants of <see cref="Tags"/>.</para>
/// </remarks>
public static class GaleTelemetry
{
    /// <summary>The name of Gale's <see cref="ActivitySource"/> and <see cref="Meter"/>.</summary>
    public const string Name = "Gale";

    /// <summary>The operation name of a task attempt's span.</summary>
    public const string AttemptSpanName = "gale.task_attempt";

    /// <summary>The operation name of a DAG run's span.</summary>
    public const string RunSpanName = "gale.dag_run";

    /// <summary>Histogram, seconds: how long a task attempt ran (operator start to outcome), tagged dag_id, task_id and state.</summary>
    public const string TaskDurationName = "gale.task.duration";

    /// <summary>Histogram, seconds: how long a try waited between being queued and starting, tagged dag_id and task_id.</summary>
    public const string TaskQueuedLatencyName = "gale.task.queued_latency";

    /// <summary>Counter, runs: DAG runs that reached a final state, tagged dag_id and state (runs by state).</summary>
    public const string RunsFinishedName = "gale.dag_runs.finished";

    /// <summary>Gauge, messages: the approximate number of messages in Gale's queues, tagged queue (tasks or control).</summary>
    public const string QueueDepthName = "gale.queue.depth";

    private static readonly string? Version = typeof(GaleTelemetry).Assembly.GetName().Version?.ToString();

    // Seconds from 5 ms to an hour: tasks range from a no-op to a long batch job (the SDK's default buckets are for milliseconds).
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

    /// <summary>Gale's spans.</summary>
    public static ActivitySource Source { get; } = new(Name, Version);

    /// <summary>Gale's metrics.</summary>
    public static Meter Meter { get; } = new(Name, Version);

    internal static Histogram<double> TaskDuration { get; } = Meter.CreateHistogram(
        TaskDurationName, "s", "How long task attempts ran, from the operator's start to its outcome.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    internal static Histogram<double> TaskQueuedLatency { get; } = Meter.CreateHistogram(
        TaskQueuedLatencyName, "s", "How long tries waited between being queued and starting.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    internal static Counter<long> RunsFinished { get; } = Meter.CreateCounter<long>(RunsFinishedName, "{run}", "DAG runs that reached a final state.");

    /// <summary>
    /// Starts the span and measurements of a task attempt (the try <paramref name="ti"/>, just recorded as running, of
    /// <paramref name="run"/>); it becomes <see cref="Activity.Current"/>, so work the task does is traced under it.
    /// End it with <see cref="AttemptTelemetry.Finish"/>; disposing it unfinished records an error.
    /// </summary>
    public static AttemptTelemetry StartAttempt(DagRun run, TaskInstance ti, string operatorName)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(ti);
        if (ti is { QueuedAt: { } queued, StartDate: { } started } && started >= queued && TaskQueuedLatency.Enabled)
        {
            TaskQueuedLatency.Record((started - queued).TotalSeconds, new(Tags.DagId, run.DagId), new(Tags.TaskId, ti.TaskId));
        }

        var activity = Source.HasListeners() ? Source.StartActivity(AttemptSpanName, ActivityKind.Consumer, RunTrace.Context(run)) : null;
        if (activity is { IsAllDataRequested: true })
        {
            activity.DisplayName = $"task {run.DagId}.{ti.Key}";
            activity.SetTag(Tags.DagId, run.DagId);
            activity.SetTag(Tags.RunId, run.RunId);
            activity.SetTag(Tags.TaskId, ti.TaskId);
            activity.SetTag(Tags.MapIndex, ti.MapIndex);
            activity.SetTag(Tags.TryNumber, ti.TryNumber);
            activity.SetTag(Tags.Operator, operatorName);
        }

        return new AttemptTelemetry(run.DagId, ti.TaskId, activity);
    }

    /// <summary>
    /// Records that <paramref name="run"/> (as stored, in its final state) finished: the runs-finished counter and the
    /// run's span. The engine calls it once per stored transition to a final state (after the If-Match save that made it).
    /// </summary>
    public static void RunFinished(DagRun run, string reason)
    {
        ArgumentNullException.ThrowIfNull(run);
        var state = run.State.ToAirflowName();
        RunsFinished.Add(1, new(Tags.DagId, run.DagId), new(Tags.State, state));
        if (!Source.HasListeners())
        {
            return;
        }

        var end = run.EndDate ?? DateTimeOffset.UtcNow;
        var start = run.StartDate ?? run.QueuedAt;
        // The run span is a root: whatever span is current here (the engine may be inside an attempt's) is not its parent.
        var current = Activity.Current;
        Activity.Current = null;
        try
        {
            RecordRunSpan(run, state, reason, start <= end && start != default ? start : end, end);
        }
        finally
        {
            Activity.Current = current is { IsStopped: false } ? current : null;
        }
    }

    private static void RecordRunSpan(DagRun run, string state, string reason, DateTimeOffset start, DateTimeOffset end)
    {
        var activity = RunTrace.StartRunSpan(run, start);
        if (activity is null)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            activity.DisplayName = $"dag_run {run.DagId}";
            activity.SetTag(Tags.DagId, run.DagId);
            activity.SetTag(Tags.RunId, run.RunId);
            activity.SetTag(Tags.RunType, RunTypeName(run.RunType));
            activity.SetTag(Tags.State, state);
            activity.SetTag(Tags.Reason, reason);
            activity.SetTag(Tags.LogicalDate, run.LogicalDate.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        }

        if (run.State == DagRunState.Failed)
        {
            activity.SetStatus(ActivityStatusCode.Error, reason);
        }

        activity.SetEndTime(end.UtcDateTime);
        activity.Stop();
    }

    /// <summary>Airflow's name of a run type: manual, scheduled, backfill, asset_triggered.</summary>
    internal static string RunTypeName(DagRunType type) => type switch
    {
        DagRunType.Scheduled => "scheduled",
        DagRunType.Backfill => "backfill",
        DagRunType.AssetTriggered => "asset_triggered",
        _ => "manual",
    };

    /// <summary>The attribute names on Gale's spans and metrics (Airflow's names, in Gale's namespace).</summary>
    public static class Tags
    {
        /// <summary>The DAG's id.</summary>
        public const string DagId = "gale.dag_id";

        /// <summary>The run's id.</summary>
        public const string RunId = "gale.run_id";

        /// <summary>The run's type: manual, scheduled, backfill, asset_triggered.</summary>
        public const string RunType = "gale.run_type";

        /// <summary>The run's logical date (ISO 8601).</summary>
        public const string LogicalDate = "gale.logical_date";

        /// <summary>The task's id.</summary>
        public const string TaskId = "gale.task_id";

        /// <summary>The map index (-1 when the task is not mapped).</summary>
        public const string MapIndex = "gale.map_index";

        /// <summary>The try number (1 for the first try).</summary>
        public const string TryNumber = "gale.try_number";

        /// <summary>The operator's name (python, http, shell, empty, …).</summary>
        public const string Operator = "gale.operator";

        /// <summary>
        /// Airflow's name of the state an attempt ended in (success, failed, up_for_retry, skipped, deferred; released
        /// when a stopping worker gave it back), or of a finished run's state (success, failed).
        /// </summary>
        public const string State = "gale.state";

        /// <summary>Why a run finished (e.g. task_failure, all_tasks_deadlocked, timed_out, marked).</summary>
        public const string Reason = "gale.reason";

        /// <summary>The queue's role: tasks or control.</summary>
        public const string Queue = "gale.queue";

        /// <summary>The storage queue's name (OpenTelemetry's messaging convention).</summary>
        public const string QueueName = "messaging.destination.name";
    }
}
