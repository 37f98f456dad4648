using System.Globalization;
using System.Text.Json;
using Gale.Dags;
using Gale.Runs;
using Gale.Scheduling;

namespace Gale.Host.Api;

/// <summary>Gale's objects in the field names of Airflow's stable REST API.</summary>
internal static class ApiJson
{
    public static string? Iso(DateTimeOffset? value) => value?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'+00:00'", CultureInfo.InvariantCulture);

    public static Dictionary<string, object?> Dag(Dag dag, DagState? state) => new()
    {
        ["dag_id"] = dag.DagId,
        ["description"] = dag.Settings.Description,
        ["fileloc"] = dag.Settings.Fileloc,
        ["file_token"] = DagSourceToken.Encode(dag.Settings.Fileloc),
        ["is_paused"] = state?.IsPaused ?? dag.Settings.IsPausedUponCreation,
        ["is_active"] = true,
        ["has_import_errors"] = false,
        ["tags"] = dag.Settings.Tags.Select(t => new Dictionary<string, string> { ["name"] = t }).ToList(),
        ["timetable_description"] = dag.ScheduleDescription,
        ["schedule_interval"] = dag.Settings.Schedule is { } schedule ? new Dictionary<string, string> { ["__type"] = schedule.StartsWith('@') || schedule.Contains(' ', StringComparison.Ordinal) ? "CronExpression" : "TimeDelta", ["value"] = schedule } : null,
        ["asset_expression"] = dag.Settings.AssetSchedule?.ToString(),
        ["timezone"] = dag.Settings.Timezone ?? "UTC",
        ["catchup"] = dag.Settings.Catchup,
        ["start_date"] = Iso(dag.Settings.StartDate),
        ["end_date"] = Iso(dag.Settings.EndDate),
        ["max_active_runs"] = dag.Settings.MaxActiveRuns,
        ["max_active_tasks"] = dag.Settings.MaxActiveTasks,
        ["next_dagrun"] = Iso(state?.NextRun?.LogicalDate),
        ["next_dagrun_data_interval_start"] = Iso(state?.NextRun?.DataInterval.Start),
        ["next_dagrun_data_interval_end"] = Iso(state?.NextRun?.DataInterval.End),
        ["next_dagrun_create_after"] = Iso(state?.NextRun?.RunAfter),
    };

    /// <summary>A timedelta as Airflow's API writes it.</summary>
    public static Dictionary<string, object>? TimeDelta(TimeSpan? value) => value is not { } v ? null : new()
    {
        ["__type"] = "TimeDelta",
        ["days"] = v.Days,
        ["seconds"] = (v.Hours * 3600) + (v.Minutes * 60) + v.Seconds,
        ["microseconds"] = (v.Milliseconds * 1000) + v.Microseconds,
    };

    /// <summary>A task as Airflow's <c>GET /dags/{dag_id}/tasks</c> shows it (plus Gale's upstream_task_ids).</summary>
    public static Dictionary<string, object?> Task(Dag dag, Gale.Dags.DagTask task) => new()
    {
        ["task_id"] = task.TaskId,
        ["operator_name"] = task.Operator.OperatorName,
        ["class_ref"] = new Dictionary<string, string> { ["class_name"] = task.Operator.GetType().Name, ["module_path"] = task.Operator.GetType().Namespace ?? string.Empty },
        ["trigger_rule"] = task.TriggerRule.ToAirflowName(),
        ["depends_on_past"] = task.DependsOnPast,
        ["wait_for_downstream"] = task.WaitForDownstream,
        ["is_mapped"] = task.Mapping is not null,
        ["is_setup"] = task.IsSetup,
        ["is_teardown"] = task.IsTeardown,
        ["retries"] = task.Retries,
        ["retry_delay"] = TimeDelta(task.RetryDelay),
        ["retry_exponential_backoff"] = task.RetryExponentialBackoff,
        ["execution_timeout"] = TimeDelta(task.ExecutionTimeout),
        ["pool"] = task.Pool,
        ["pool_slots"] = task.PoolSlots,
        ["priority_weight"] = task.PriorityWeight,
        ["template_fields"] = task.Operator is Gale.Execution.ITemplatedOperator templated ? templated.TemplateFields.Keys.Order(StringComparer.Ordinal).ToList() : [],
        ["downstream_task_ids"] = dag.Downstream(task.TaskId),
        ["upstream_task_ids"] = task.Upstream,
    };

    public static Dictionary<string, object?> TaskInstance(Dag dag, DagRun run, TaskInstance ti) => new()
    {
        ["dag_id"] = run.DagId,
        ["dag_run_id"] = run.RunId,
        ["task_id"] = ti.TaskId,
        ["map_index"] = ti.MapIndex,
        ["state"] = ti.State == TaskInstanceState.None ? null : ti.State.ToAirflowName(),
        ["try_number"] = ti.TryNumber,
        ["max_tries"] = ti.MaxTries,
        ["logical_date"] = Iso(run.LogicalDate),
        ["start_date"] = Iso(ti.StartDate),
        ["end_date"] = Iso(ti.EndDate),
        ["duration"] = ti.StartDate is { } s && ti.EndDate is { } e ? (e - s).TotalSeconds : null,
        ["queued_when"] = Iso(ti.QueuedAt),
        ["hostname"] = ti.WorkerId,
        ["operator"] = dag.HasTask(ti.TaskId) ? dag.GetTask(ti.TaskId).Operator.OperatorName : null,
        ["pool"] = dag.HasTask(ti.TaskId) ? dag.GetTask(ti.TaskId).Pool : null,
        ["pool_slots"] = dag.HasTask(ti.TaskId) ? dag.GetTask(ti.TaskId).PoolSlots : null,
        ["priority_weight"] = dag.HasTask(ti.TaskId) ? dag.GetTask(ti.TaskId).PriorityWeight : null,
        ["note"] = ti.Message,
    };

    public static Dictionary<string, object?> Run(DagRun run) => new()
    {
        ["dag_id"] = run.DagId,
        ["dag_run_id"] = run.RunId,
        ["logical_date"] = Iso(run.LogicalDate),
        ["execution_date"] = Iso(run.LogicalDate),
        ["data_interval_start"] = Iso(run.DataIntervalStart),
        ["data_interval_end"] = Iso(run.DataIntervalEnd),
        ["run_type"] = run.RunType switch
        {
            DagRunType.Manual => "manual",
            DagRunType.Scheduled => "scheduled",
            DagRunType.Backfill => "backfill",
            _ => "asset_triggered",
        },
        ["state"] = run.State.ToAirflowName(),
        ["external_trigger"] = run.RunType == DagRunType.Manual,
        ["queued_at"] = Iso(run.QueuedAt),
        ["start_date"] = Iso(run.StartDate),
        ["end_date"] = Iso(run.EndDate),
        ["conf"] = JsonDocument.Parse(run.Conf).RootElement.Clone(),
    };
}
