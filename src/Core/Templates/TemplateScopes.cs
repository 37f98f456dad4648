using System.Globalization;
using System.Text.Json;
using Gale.Dags;
using Gale.Execution;

namespace Gale.Templates;

/// <summary>Builds the values a task's templates see, named as in Airflow's template context.</summary>
public static class TemplateScopes
{
    /// <summary>The context values of one attempt: dates, ids, params, conf, dag, task, ti and the run's triggering asset events.</summary>
    public static Dictionary<string, JsonElement> Values(Dag dag, DagTask task, TaskContext context, IReadOnlyList<Gale.Assets.AssetEvent>? triggering = null)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(context);
        var logical = context.LogicalDate.ToUniversalTime();
        var conf = context.Conf.ValueKind == JsonValueKind.Object ? context.Conf : JsonSerializer.SerializeToElement(new Dictionary<string, object>());
        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["ds"] = logical.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["ds_nodash"] = logical.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
            ["ts"] = Iso(logical),
            ["ts_nodash"] = logical.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture),
            ["ts_nodash_with_tz"] = logical.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "+0000",
            ["logical_date"] = Iso(logical),
            ["data_interval_start"] = Iso(context.DataIntervalStart),
            ["data_interval_end"] = Iso(context.DataIntervalEnd),
            ["run_id"] = context.RunId,
            ["params"] = context.Params,
            ["dag"] = new Dictionary<string, object?> { ["dag_id"] = dag.DagId, ["description"] = dag.Settings.Description, ["tags"] = dag.Settings.Tags },
            ["task"] = new Dictionary<string, object?> { ["task_id"] = task.TaskId, ["operator"] = task.Operator.OperatorName, ["retries"] = task.Retries },
            ["dag_run"] = new Dictionary<string, object?>
            {
                ["dag_id"] = dag.DagId,
                ["run_id"] = context.RunId,
                ["logical_date"] = Iso(logical),
                ["data_interval_start"] = Iso(context.DataIntervalStart),
                ["data_interval_end"] = Iso(context.DataIntervalEnd),
                ["conf"] = conf,
            },
        };
        var ti = new Dictionary<string, object?>
        {
            ["dag_id"] = dag.DagId,
            ["task_id"] = task.TaskId,
            ["run_id"] = context.RunId,
            ["try_number"] = context.TryNumber,
            ["map_index"] = context.MapIndex,
        };
        values["ti"] = ti;
        values["task_instance"] = ti;

        // Airflow's triggering_asset_events: asset URI -> its events, oldest first.
        values["triggering_asset_events"] = (triggering ?? []).GroupBy(e => e.AssetUri, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => g.OrderBy(e => e.Timestamp).Select(e => new Dictionary<string, object?>
            {
                ["id"] = e.Id,
                ["asset_uri"] = e.AssetUri,
                ["timestamp"] = Iso(e.Timestamp),
                ["source"] = e.Source.ToString().ToLowerInvariant(),
                ["extra"] = JsonDocument.Parse(e.Extra).RootElement.Clone(),
            }).ToList(),
            StringComparer.Ordinal);
        return values.ToDictionary(v => v.Key, v => JsonSerializer.SerializeToElement(v.Value), StringComparer.Ordinal);
    }

    /// <summary>Python's <c>datetime.isoformat()</c> for an aware datetime: seconds, microseconds only when non-zero, offset.</summary>
    public static string Iso(DateTimeOffset value)
    {
        var fraction = value.Ticks % TimeSpan.TicksPerSecond;
        var format = fraction == 0 ? "yyyy-MM-dd'T'HH:mm:ss" : "yyyy-MM-dd'T'HH:mm:ss.ffffff";
        return value.ToString(format, CultureInfo.InvariantCulture) + value.ToString("zzz", CultureInfo.InvariantCulture);
    }
}
