using System.Globalization;
using System.Text.Json;
using Gale.Runs;

namespace Gale.Host.Cli.Remote;

/// <summary>Runs and task instances read back from the API's Airflow-shaped JSON, so the CLI prints them as from storage.</summary>
internal static class ApiModels
{
    public static DagRun Run(JsonElement json) => new()
    {
        DagId = json.GetProperty("dag_id").GetString()!,
        RunId = json.GetProperty("dag_run_id").GetString()!,
        RunType = json.GetProperty("run_type").GetString() switch
        {
            "scheduled" => DagRunType.Scheduled,
            "backfill" => DagRunType.Backfill,
            "asset_triggered" => DagRunType.AssetTriggered,
            _ => DagRunType.Manual,
        },
        State = States.ParseRunState(json.GetProperty("state").GetString()!),
        LogicalDate = Date(json, "logical_date") ?? default,
        DataIntervalStart = Date(json, "data_interval_start") ?? default,
        DataIntervalEnd = Date(json, "data_interval_end") ?? default,
        QueuedAt = Date(json, "queued_at") ?? default,
        StartDate = Date(json, "start_date"),
        EndDate = Date(json, "end_date"),
        Conf = json.TryGetProperty("conf", out var conf) && conf.ValueKind == JsonValueKind.Object ? conf.GetRawText() : "{}",
    };

    public static TaskInstance TaskInstance(JsonElement json) => new()
    {
        TaskId = json.GetProperty("task_id").GetString()!,
        MapIndex = json.GetProperty("map_index").GetInt32(),
        State = States.ParseTaskState(json.GetProperty("state").ValueKind == JsonValueKind.String ? json.GetProperty("state").GetString() : null),
        TryNumber = json.GetProperty("try_number").GetInt32(),
        MaxTries = json.TryGetProperty("max_tries", out var max) && max.ValueKind == JsonValueKind.Number ? max.GetInt32() : 0,
        QueuedAt = Date(json, "queued_when"),
        StartDate = Date(json, "start_date"),
        EndDate = Date(json, "end_date"),
        WorkerId = json.TryGetProperty("hostname", out var host) && host.ValueKind == JsonValueKind.String ? host.GetString() : null,
        Message = json.TryGetProperty("note", out var note) && note.ValueKind == JsonValueKind.String ? note.GetString() : null,
    };

    private static DateTimeOffset? Date(JsonElement json, string name) =>
        json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? DateTimeOffset.Parse(v.GetString()!, CultureInfo.InvariantCulture) : null;
}
