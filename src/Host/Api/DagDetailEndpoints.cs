using System.Text.Json;
using Gale.Dags;

namespace Gale.Host.Api;

/// <summary>
/// Airflow's <c>GET /dags/{dag_id}/details</c> (DAGDetail): the DAG as <c>GET /dags/{dag_id}</c> answers it, plus its
/// params (default, description and JSON schema each, so the UI's trigger form can pre-fill the conf), doc_md,
/// dagrun_timeout and the other settings the DAG list does not need.
/// </summary>
internal static class DagDetailEndpoints
{
    public static void MapDagDetailEndpoints(this RouteGroupBuilder api, ApiContext ctx)
    {
        api.MapGet("/dags/{dagId}/details", async (string dagId, CancellationToken ct) =>
        {
            if (ctx.Dags.Find(dagId) is not { } dag)
            {
                return Problems.NotFound($"DAG '{dagId}' is not loaded.");
            }

            var body = ApiJson.Dag(dag, await ctx.DagStates.GetAsync(dagId, ct));
            body["doc_md"] = dag.Settings.DocMd;
            body["dag_run_timeout"] = ApiJson.TimeDelta(dag.Settings.DagrunTimeout);
            body["is_paused_upon_creation"] = dag.Settings.IsPausedUponCreation;
            body["concurrency"] = dag.Settings.MaxActiveTasks;
            body["max_consecutive_failed_dag_runs"] = 0;
            body["orientation"] = "LR";
            body["default_view"] = "grid";
            body["task_count"] = dag.TopologicalOrder.Count;
            body["params"] = dag.Settings.Params.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => Param(p.Value), StringComparer.Ordinal);
            return Results.Json(body);
        });
    }

    // Airflow serialises a Param as {"__class", "value", "description", "schema"}; the schema is JSON Schema.
    private static Dictionary<string, object?> Param(DagParam param)
    {
        var schema = new Dictionary<string, object?>();
        if (param.Type != ParamType.Any)
        {
            schema["type"] = param.Type.ToString().ToLowerInvariant();
        }

        if (param.Enum is { } allowed)
        {
            schema["enum"] = allowed;
        }

        if (param.Minimum is { } min)
        {
            schema["minimum"] = min;
        }

        if (param.Maximum is { } max)
        {
            schema["maximum"] = max;
        }

        return new Dictionary<string, object?>
        {
            ["__class"] = "airflow.models.param.Param",
            ["value"] = param.Default is { } value ? value : (JsonElement?)null,
            ["has_default"] = param.Default is not null,
            ["description"] = param.Description,
            ["schema"] = schema,
        };
    }
}
