using System.Text.Json;
using Gale.Runs;
using Gale.Timetables;

namespace Gale.Host.Api;

/// <summary><c>/api/v1/dags/{dag_id}/dagRuns</c>: list (<c>~</c> for every DAG), get, trigger, and send an external event to a run.</summary>
internal static class DagRunEndpoints
{
    private static readonly string[] TriggerFields = ["dag_run_id", "logical_date", "execution_date", "conf", "note"];
    private static readonly string[] RunPatchFields = ["state"];
    private static readonly string[] RunClearFields = ["dry_run", "only_failed"];

    public static void MapDagRunEndpoints(this RouteGroupBuilder api, ApiContext ctx)
    {
        api.MapGet("/dags/{dagId}/dagRuns", async (string dagId, HttpRequest request, CancellationToken ct) =>
        {
            var (limit, offset, error) = Paging.Read(request);
            if (error is not null)
            {
                return error;
            }

            if (dagId != "~" && ctx.Dags.Find(dagId) is null)
            {
                return Problems.NotFound($"DAG '{dagId}' is not loaded.");
            }

            var states = new HashSet<DagRunState>();
            foreach (var name in request.Query["state"].Where(s => !string.IsNullOrEmpty(s)))
            {
                try
                {
                    states.Add(States.ParseRunState(name!));
                }
                catch (FormatException e)
                {
                    return Problems.BadRequest($"state: {e.Message}");
                }
            }

            var runs = new List<DagRun>();
            await foreach (var run in ctx.Runs.ListRunsAsync(dagId == "~" ? null : dagId, cancellationToken: ct))
            {
                if (states.Count == 0 || states.Contains(run.State))
                {
                    runs.Add(run);
                }
            }

            var orderBy = request.Query["order_by"].FirstOrDefault() ?? "logical_date";
            Func<DagRun, object?>? key = orderBy.TrimStart('-') switch
            {
                "logical_date" or "execution_date" => r => r.LogicalDate,
                "start_date" => r => r.StartDate,
                "end_date" => r => r.EndDate,
                "queued_at" => r => r.QueuedAt,
                "dag_run_id" or "run_id" => r => r.RunId,
                _ => null,
            };
            if (key is null)
            {
                return Problems.BadRequest($"order_by: '{orderBy}' is not one of logical_date, start_date, end_date, queued_at, dag_run_id (prefix - for descending).");
            }

            // Ties (runs of one logical date) fall back to the order they were queued in.
            var ordered = orderBy.StartsWith('-')
                ? runs.OrderByDescending(key).ThenByDescending(r => r.QueuedAt).ThenByDescending(r => r.RunId, StringComparer.Ordinal).ToList()
                : runs.OrderBy(key).ThenBy(r => r.QueuedAt).ThenBy(r => r.RunId, StringComparer.Ordinal).ToList();
            return Results.Json(new Dictionary<string, object>
            {
                ["dag_runs"] = ordered.Skip(offset).Take(limit).Select(ApiJson.Run).ToList(),
                ["total_entries"] = ordered.Count,
            });
        });

        api.MapGet("/dags/{dagId}/dagRuns/{runId}", async (string dagId, string runId, CancellationToken ct) =>
            await ctx.Runs.LoadAsync(new RunKey(dagId, runId), ct) is { } snapshot
                ? Results.Json(ApiJson.Run(snapshot.Run))
                : Problems.NotFound($"DAG '{dagId}' has no run '{runId}'."));

        // Airflow's PATCH dagRun state: mark the run success or failed (its unfinished task instances follow).
        api.MapPatch("/dags/{dagId}/dagRuns/{runId}", async (string dagId, string runId, HttpRequest request, CancellationToken ct) =>
        {
            var (body, error) = await ApiBody.ReadObjectAsync(request, RunPatchFields, ct);
            if (error is not null)
            {
                return error;
            }

            var text = body!.Value.TryGetProperty("state", out var s) && s.ValueKind == System.Text.Json.JsonValueKind.String ? s.GetString() : null;
            DagRunState? state = text switch
            {
                "success" => DagRunState.Success,
                "failed" => DagRunState.Failed,
                _ => null,
            };
            if (state is null)
            {
                return Problems.BadRequest($"state: '{text}' is not one of success, failed (to run tasks again, clear them)");
            }

            var key = new RunKey(dagId, runId);
            if (await ctx.Runs.LoadAsync(key, ct) is null)
            {
                return Problems.NotFound($"DAG '{dagId}' has no run '{runId}'.");
            }

            var after = await ctx.Engine.ApplyAsync(key, [new Gale.Runs.Events.RunStateSet { EventId = $"api-mark:{Guid.NewGuid():N}", State = state.Value, At = ctx.Engine.Clock.GetUtcNow() }], ct);
            return Results.Json(ApiJson.Run(after.Run));
        });

        // Durable Functions' raiseEvent: the body is the event's data (any JSON; empty means null).
        api.MapPost("/dags/{dagId}/dagRuns/{runId}/events/{name}", async (string dagId, string runId, string name, HttpRequest request, CancellationToken ct) =>
        {
            using var reader = new StreamReader(request.Body);
            var (raised, problem) = ExternalEvents.Create(name, await reader.ReadToEndAsync(ct), DateTimeOffset.UtcNow);
            if (raised is null)
            {
                return Problems.BadRequest(problem!);
            }

            var run = new RunKey(dagId, runId);
            if (await ctx.Runs.LoadAsync(run, ct) is null)
            {
                return Problems.NotFound($"DAG '{dagId}' has no run '{runId}'.");
            }

            await ctx.Engine.ApplyAsync(run, [raised], ct);
            return Results.Json(new { name = raised.Name, data = JsonDocument.Parse(raised.Data).RootElement, event_id = raised.EventId }, statusCode: StatusCodes.Status202Accepted);
        });

        // Airflow's clear of a whole run: every task instance (or only the failed ones) runs again. As in Airflow,
        // dry_run defaults to true and lists what would be cleared; a real clear answers the run.
        api.MapPost("/dags/{dagId}/dagRuns/{runId}/clear", async (string dagId, string runId, HttpRequest request, CancellationToken ct) =>
        {
            if (ctx.Dags.Find(dagId) is not { } dag)
            {
                return Problems.NotFound($"DAG '{dagId}' is not loaded.");
            }

            var (body, error) = await ApiBody.ReadObjectAsync(request, RunClearFields, ct);
            if (error is not null)
            {
                return error;
            }

            var b = body!.Value;
            if (b.BadFlag(RunClearFields) is { } badFlag)
            {
                return badFlag;
            }

            var dryRun = !b.TryGetProperty("dry_run", out var dry) || dry.ValueKind == JsonValueKind.True;
            var cleared = await TaskInstanceEndpoints.ClearAsync(ctx, dag, new RunKey(dagId, runId), [.. dag.TopologicalOrder.Select(t => t.TaskId)], downstream: false, upstream: false, b.Flag("only_failed"), dryRun, ct);
            return cleared is null ? Problems.NotFound($"DAG '{dagId}' has no run '{runId}'.")
                : dryRun ? Results.Json(TaskInstanceEndpoints.ClearedJson(dag, cleared))
                : Results.Json(ApiJson.Run(cleared.After.Run));
        });

        api.MapPost("/dags/{dagId}/dagRuns", async (string dagId, HttpRequest request, CancellationToken ct) =>
        {
            if (ctx.Dags.Find(dagId) is not { } dag)
            {
                return Problems.NotFound($"DAG '{dagId}' is not loaded.");
            }

            var (body, error) = await ApiBody.ReadObjectAsync(request, TriggerFields, ct);
            if (error is not null)
            {
                return error;
            }

            var b = body!.Value;
            string? runId = null;
            if (b.TryGetProperty("dag_run_id", out var id) && id.ValueKind != JsonValueKind.Null)
            {
                runId = id.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(id.GetString()) && id.GetString()!.Length <= 250
                    ? id.GetString()
                    : null;
                if (runId is null)
                {
                    return Problems.BadRequest("dag_run_id: must be a non-empty string of at most 250 characters.");
                }
            }

            DateTimeOffset? logicalDate = null;
            var dateField = b.TryGetProperty("logical_date", out var ld) ? ("logical_date", ld) : b.TryGetProperty("execution_date", out var ed) ? ("execution_date", ed) : (null, default);
            if (dateField.Item1 is { } dateName && dateField.Item2.ValueKind != JsonValueKind.Null)
            {
                try
                {
                    logicalDate = dateField.Item2.ValueKind == JsonValueKind.String
                        ? TimetableParser.ParseDate(dateField.Item2.GetString()!, TimetableParser.Zone(dag.Settings.Timezone))
                        : throw new FormatException("not a string");
                }
                catch (FormatException)
                {
                    return Problems.BadRequest($"{dateName}: must be an ISO 8601 date or date-time.");
                }
            }

            string? conf = null;
            if (b.TryGetProperty("conf", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                if (c.ValueKind != JsonValueKind.Object)
                {
                    return Problems.BadRequest("conf: must be a JSON object.");
                }

                conf = c.GetRawText();
            }

            var (run, problems) = ManualRuns.Create(dag, logicalDate, conf, runId, ctx.Engine.Clock.GetUtcNow());
            if (run is null)
            {
                return Problems.BadRequest($"conf: {string.Join("; ", problems)}.");
            }

            var (snapshot, created) = await ctx.Engine.CreateRunAsync(dag, run, start: false, ct);
            return created
                ? Results.Json(ApiJson.Run(snapshot.Run))
                : Problems.Conflict($"DAG '{dagId}' already has a run '{run.RunId}'.");
        });
    }
}
