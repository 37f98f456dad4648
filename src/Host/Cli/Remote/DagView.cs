using System.Text.Json;
using Gale.Dags;

namespace Gale.Host.Cli.Remote;

/// <summary>A task as the CLI shows it, from a loaded DAG or from <c>GET /dags/{d}/tasks</c>.</summary>
internal sealed record TaskView(string TaskId, string Operator, IReadOnlyList<string> Upstream, IReadOnlyList<string> Downstream, string TriggerRule, int Retries);

/// <summary>A DAG as the CLI shows it, from the DAG folder or from the API, so both modes print the same.</summary>
internal sealed record DagView(string DagId, string? Description, string? Schedule, string ScheduleDescription, string? AssetExpression, string? Fileloc, IReadOnlyList<string> Tags, IReadOnlyList<TaskView> Tasks)
{
    /// <summary>The view of a loaded DAG (tasks in topological order).</summary>
    public static DagView Of(Dag dag) => new(
        dag.DagId,
        dag.Settings.Description,
        dag.Settings.Schedule,
        dag.ScheduleDescription,
        dag.Settings.AssetSchedule?.ToString(),
        dag.Settings.Fileloc,
        dag.Settings.Tags,
        [.. dag.TopologicalOrder.Select(t => new TaskView(t.TaskId, t.Operator.OperatorName, t.Upstream, dag.Downstream(t.TaskId), t.TriggerRule.ToAirflowName(), t.Retries))]);

    /// <summary>The view from the API's DAG and its tasks, or null when the API does not have the DAG.</summary>
    public static async Task<DagView?> FetchAsync(GaleApiClient api, string dagId, CancellationToken cancellationToken)
    {
        if (await api.FindAsync(GaleApiClient.Path("dags", dagId), cancellationToken) is not { } dag)
        {
            return null;
        }

        var tasks = await api.GetAsync(GaleApiClient.Path("dags", dagId, "tasks"), cancellationToken);
        return From(dag, tasks.GetProperty("tasks").EnumerateArray());
    }

    /// <summary>Every DAG the API has, with its tasks.</summary>
    public static async Task<List<DagView>> FetchAllAsync(GaleApiClient api, CancellationToken cancellationToken)
    {
        var views = new List<DagView>();
        foreach (var dag in await api.ListAsync("dags", "dags", cancellationToken))
        {
            var tasks = await api.GetAsync(GaleApiClient.Path("dags", dag.GetProperty("dag_id").GetString()!, "tasks"), cancellationToken);
            views.Add(From(dag, tasks.GetProperty("tasks").EnumerateArray()));
        }

        return views;
    }

    private static DagView From(JsonElement dag, IEnumerable<JsonElement> tasks) => new(
        dag.GetProperty("dag_id").GetString()!,
        Text(dag, "description"),
        dag.TryGetProperty("schedule_interval", out var s) && s.ValueKind == JsonValueKind.Object ? Text(s, "value") : null,
        Text(dag, "timetable_description") ?? string.Empty,
        Text(dag, "asset_expression"),
        Text(dag, "fileloc"),
        [.. dag.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("name").GetString()!)],
        [.. tasks.Select(t => new TaskView(
            t.GetProperty("task_id").GetString()!,
            Text(t, "operator_name") ?? string.Empty,
            [.. t.GetProperty("upstream_task_ids").EnumerateArray().Select(u => u.GetString()!)],
            [.. t.GetProperty("downstream_task_ids").EnumerateArray().Select(u => u.GetString()!)],
            Text(t, "trigger_rule") ?? string.Empty,
            t.GetProperty("retries").GetInt32()))]);

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
