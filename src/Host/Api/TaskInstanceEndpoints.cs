using System.Text.Json;
using Gale.Logs;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Host.Api;

/// <summary>Task instances of a run: list, get, rendered fields, logs, and clear (Airflow's clearTaskInstances).</summary>
internal static class TaskInstanceEndpoints
{
    private static readonly string[] ClearFields = ["dag_run_id", "task_ids", "include_downstream", "include_upstream", "only_failed", "dry_run"];
    private static readonly string[] ClearFlags = ["include_downstream", "include_upstream", "only_failed", "dry_run"];

    public static void MapTaskInstanceEndpoints(this RouteGroupBuilder api, ApiContext ctx)
    {
        api.MapGet("/dags/{dagId}/dagRuns/{runId}/taskInstances", async (string dagId, string runId, HttpRequest request, CancellationToken ct) =>
        {
            var (limit, offset, error) = Paging.Read(request);
            if (error is not null)
            {
                return error;
            }

            if (ctx.Dags.Find(dagId) is not { } dag || await ctx.Runs.LoadAsync(new RunKey(dagId, runId), ct) is not { } snapshot)
            {
                return Problems.NotFound($"DAG '{dagId}' has no run '{runId}'.");
            }

            var tis = snapshot.Tasks.Values.OrderBy(t => dag.HasTask(t.TaskId) ? dag.OrderOf(t.TaskId) : int.MaxValue).ThenBy(t => t.MapIndex).ToList();
            return Results.Json(new Dictionary<string, object>
            {
                ["task_instances"] = tis.Skip(offset).Take(limit).Select(t => ApiJson.TaskInstance(dag, snapshot.Run, t)).ToList(),
                ["total_entries"] = tis.Count,
            });
        });

        api.MapGet("/dags/{dagId}/dagRuns/{runId}/taskInstances/{taskId}", async (string dagId, string runId, string taskId, HttpRequest request, CancellationToken ct) =>
        {
            var (dag, snapshot, ti, problem) = await FindAsync(ctx, dagId, runId, taskId, request, ct);
            if (problem is not null)
            {
                return problem;
            }

            var body = ApiJson.TaskInstance(dag!, snapshot!.Run, ti!);
            var rendered = await ctx.Services.Rendered.GetAsync(dagId, runId, taskId, ti!.MapIndex, ct);
            body["rendered_fields"] = rendered?.Fields;
            body["rendered_try_number"] = rendered?.TryNumber;
            return Results.Json(body);
        });

        // Airflow's PATCH taskInstance: mark success, failed or skipped (dry_run shows what would change).
        api.MapPatch("/dags/{dagId}/dagRuns/{runId}/taskInstances/{taskId}", async (string dagId, string runId, string taskId, HttpRequest request, CancellationToken ct) =>
        {
            var (body, error) = await ApiBody.ReadObjectAsync(request, TiPatchFields, ct);
            if (error is not null)
            {
                return error;
            }

            var b = body!.Value;
            if (b.BadFlag(["dry_run"]) is { } badFlag)
            {
                return badFlag;
            }

            var text = b.TryGetProperty("new_state", out var n) && n.ValueKind == System.Text.Json.JsonValueKind.String ? n.GetString() : null;
            TaskInstanceState? state = text switch
            {
                "success" => TaskInstanceState.Success,
                "failed" => TaskInstanceState.Failed,
                "skipped" => TaskInstanceState.Skipped,
                _ => null,
            };
            if (state is null)
            {
                return Problems.BadRequest($"new_state: '{text}' is not one of success, failed, skipped");
            }

            var (dag, snapshot, ti, problem) = await FindAsync(ctx, dagId, runId, taskId, request, ct);
            if (problem is not null)
            {
                return problem;
            }

            var mark = new TaskStateSet { EventId = $"api-mark:{Guid.NewGuid():N}", Task = ti!.Key, State = state.Value, At = ctx.Engine.Clock.GetUtcNow() };
            var after = b.Flag("dry_run")
                ? RunDecider.Decide(dag!, snapshot!, [mark], ctx.Engine.Clock.GetUtcNow()).Snapshot
                : await ctx.Engine.ApplyAsync(snapshot!.Key, [mark], ct);
            return Results.Json(ApiJson.TaskInstance(dag!, after.Run, after.Find(ti.Key) ?? ti));
        });

        // Airflow's xcomEntries: the keys a task instance pushed, and one value (masked like logs).
        api.MapGet("/dags/{dagId}/dagRuns/{runId}/taskInstances/{taskId}/xcomEntries", async (string dagId, string runId, string taskId, HttpRequest request, CancellationToken ct) =>
        {
            var (limit, offset, pageError) = Paging.Read(request);
            if (pageError is not null)
            {
                return pageError;
            }

            var (_, _, ti, problem) = await FindAsync(ctx, dagId, runId, taskId, request, ct);
            if (problem is not null)
            {
                return problem;
            }

            var keys = await ctx.Services.XComs.ListKeysAsync(dagId, runId, taskId, ti!.MapIndex, ct);
            return Results.Json(new Dictionary<string, object>
            {
                ["xcom_entries"] = keys.Skip(offset).Take(limit).Select(k => XComJson(dagId, runId, taskId, ti.MapIndex, k)).ToList(),
                ["total_entries"] = keys.Count,
            });
        });

        api.MapGet("/dags/{dagId}/dagRuns/{runId}/taskInstances/{taskId}/xcomEntries/{key}", async (string dagId, string runId, string taskId, string key, HttpRequest request, CancellationToken ct) =>
        {
            var (_, _, ti, problem) = await FindAsync(ctx, dagId, runId, taskId, request, ct);
            if (problem is not null)
            {
                return problem;
            }

            if (await ctx.Services.XComs.GetAsync(new Gale.Execution.XComKey(dagId, runId, taskId, ti!.MapIndex, key), ct) is not { } json)
            {
                return Problems.NotFound($"task instance {dagId}.{taskId} of run '{runId}' has no XCom '{key}'.");
            }

            var masked = ctx.Services.Masker.Redact(json);
            var entry = XComJson(dagId, runId, taskId, ti.MapIndex, key);
            try
            {
                entry["value"] = System.Text.Json.JsonDocument.Parse(masked).RootElement.Clone();
            }
            catch (System.Text.Json.JsonException)
            {
                entry["value"] = masked; // masking broke the JSON (a secret inside an escape): show it as text
            }

            return Results.Json(entry);
        });

        api.MapGet("/dags/{dagId}/dagRuns/{runId}/taskInstances/{taskId}/logs/{tryNumber:int}", async (string dagId, string runId, string taskId, int tryNumber, HttpRequest request, CancellationToken ct) =>
        {
            var (_, _, ti, problem) = await FindAsync(ctx, dagId, runId, taskId, request, ct);
            if (problem is not null)
            {
                return problem;
            }

            var text = await ctx.Services.Logs.ReadAsync(new TaskLogKey(dagId, runId, taskId, ti!.MapIndex, tryNumber), ct);
            if (text is null)
            {
                return Problems.NotFound($"task '{taskId}' has no log for try {tryNumber}.");
            }

            return request.Headers.Accept.Any(a => a?.Contains("text/plain", StringComparison.OrdinalIgnoreCase) == true)
                ? Results.Text(text, "text/plain; charset=utf-8")
                : Results.Json(new Dictionary<string, object?> { ["content"] = text, ["continuation_token"] = null });
        });

        api.MapPost("/dags/{dagId}/clearTaskInstances", async (string dagId, HttpRequest request, CancellationToken ct) =>
        {
            if (ctx.Dags.Find(dagId) is not { } dag)
            {
                return Problems.NotFound($"DAG '{dagId}' is not loaded.");
            }

            var (body, error) = await ApiBody.ReadObjectAsync(request, ClearFields, ct);
            if (error is not null)
            {
                return error;
            }

            var b = body!.Value;
            if (!b.TryGetProperty("dag_run_id", out var runIdJson) || runIdJson.ValueKind != JsonValueKind.String)
            {
                return Problems.BadRequest("dag_run_id: required, the run whose task instances to clear.");
            }

            if (b.BadFlag(ClearFlags) is { } badFlag)
            {
                return badFlag;
            }

            // Left out means every task; anything but a list of ids is refused rather than read as "every task".
            var taskIds = dag.TopologicalOrder.Select(t => t.TaskId).ToList();
            if (b.TryGetProperty("task_ids", out var ids))
            {
                if (ids.ValueKind != JsonValueKind.Array || ids.EnumerateArray().Any(i => i.ValueKind != JsonValueKind.String))
                {
                    return Problems.BadRequest("task_ids: must be a list of task ids (strings); leave it out to clear every task.");
                }

                taskIds = [.. ids.EnumerateArray().Select(i => i.GetString()!)];
            }
            if (taskIds.FirstOrDefault(t => !dag.HasTask(t)) is { } badTask)
            {
                return Problems.BadRequest($"task_ids: DAG '{dagId}' has no task '{badTask}'.");
            }

            var key = new RunKey(dagId, runIdJson.GetString()!);
            var result = await ClearAsync(ctx, dag, key, taskIds, b.Flag("include_downstream"), b.Flag("include_upstream"), b.Flag("only_failed"), b.Flag("dry_run"), ct);
            return result is { } r ? Results.Json(ClearedJson(dag, r)) : Problems.NotFound($"DAG '{dagId}' has no run '{key.RunId}'.");
        });
    }

    /// <summary>What a clear changed (or would change, dry): the run after it and the instances whose try or state moved.</summary>
    internal sealed record Cleared(RunSnapshot After, IReadOnlyList<TaskInstance> Changed);

    /// <summary>
    /// Clears <paramref name="taskIds"/> of a run as the decider would (so a dry run shows exactly what a real one does),
    /// and applies it unless <paramref name="dryRun"/>. Null when the run does not exist.
    /// </summary>
    internal static async Task<Cleared?> ClearAsync(ApiContext ctx, Gale.Dags.Dag dag, RunKey key, IReadOnlyList<string> taskIds, bool downstream, bool upstream, bool onlyFailed, bool dryRun, CancellationToken ct)
    {
        if (await ctx.Runs.LoadAsync(key, ct) is not { } snapshot)
        {
            return null;
        }

        var cleared = new TasksCleared
        {
            EventId = $"api-clear:{Guid.NewGuid():N}",
            TaskIds = taskIds,
            IncludeDownstream = downstream,
            IncludeUpstream = upstream,
            OnlyFailed = onlyFailed,
            At = ctx.Engine.Clock.GetUtcNow(),
        };
        var after = RunDecider.Decide(dag, snapshot, [cleared], ctx.Engine.Clock.GetUtcNow()).Snapshot;
        var changed = after.Tasks.Values.Where(t => snapshot.Find(t.Key) is { } before && (before.TryNumber != t.TryNumber || before.State != t.State)).ToList();
        if (!dryRun)
        {
            after = await ctx.Engine.ApplyAsync(key, [cleared], ct);
        }

        return new Cleared(after, changed);
    }

    /// <summary>The task instances a clear changed, as Airflow lists them.</summary>
    internal static Dictionary<string, object> ClearedJson(Gale.Dags.Dag dag, Cleared cleared) => new()
    {
        ["task_instances"] = cleared.Changed.Select(t => ApiJson.TaskInstance(dag, cleared.After.Run, cleared.After.Find(t.Key) ?? t)).ToList(),
        ["total_entries"] = cleared.Changed.Count,
    };

    private static async Task<(Gale.Dags.Dag? Dag, RunSnapshot? Snapshot, TaskInstance? Ti, IResult? Problem)> FindAsync(ApiContext ctx, string dagId, string runId, string taskId, HttpRequest request, CancellationToken ct)
    {
        var mapIndex = int.TryParse(request.Query["map_index"], out var m) ? m : -1;
        if (ctx.Dags.Find(dagId) is not { } dag || await ctx.Runs.LoadAsync(new RunKey(dagId, runId), ct) is not { } snapshot)
        {
            return (null, null, null, Problems.NotFound($"DAG '{dagId}' has no run '{runId}'."));
        }

        var ti = snapshot.Find(new TaskInstanceKey(taskId, mapIndex));
        return ti is null
            ? (null, null, null, Problems.NotFound($"run '{runId}' has no task instance '{taskId}'{(mapIndex >= 0 ? $" [{mapIndex}]" : string.Empty)}."))
            : (dag, snapshot, ti, null);
    }

    private static readonly string[] TiPatchFields = ["new_state", "dry_run"];

    private static Dictionary<string, object?> XComJson(string dagId, string runId, string taskId, int mapIndex, string key) => new()
    {
        ["dag_id"] = dagId,
        ["dag_run_id"] = runId,
        ["task_id"] = taskId,
        ["map_index"] = mapIndex,
        ["key"] = key,
    };
}
