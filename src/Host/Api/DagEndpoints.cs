using System.Text.Json;
using Gale.Scheduling;
using Gale.Timetables;

namespace Gale.Host.Api;

/// <summary><c>/api/v1/dags</c>: list, get, pause or unpause (PATCH is_paused), and a DAG's tasks.</summary>
internal static class DagEndpoints
{
    public static void MapDagEndpoints(this RouteGroupBuilder api, ApiContext ctx)
    {
        api.MapGet("/dags", async (HttpRequest request, CancellationToken ct) =>
        {
            var (limit, offset, error) = Paging.Read(request);
            if (error is not null)
            {
                return error;
            }

            var tags = request.Query["tags"].Where(t => !string.IsNullOrEmpty(t)).ToHashSet(StringComparer.Ordinal);
            var pattern = request.Query["dag_id_pattern"].FirstOrDefault();
            bool? paused = null;
            if (request.Query.TryGetValue("paused", out var p))
            {
                if (!bool.TryParse(p, out var value))
                {
                    return Problems.BadRequest($"paused: '{p}' must be true or false.");
                }

                paused = value;
            }

            var states = (await ctx.DagStates.ListAsync(ct)).ToDictionary(s => s.DagId, StringComparer.Ordinal);
            var dags = ctx.Dags.Dags
                .Where(d => tags.Count == 0 || d.Settings.Tags.Any(tags.Contains))
                .Where(d => pattern is null || d.DagId.Contains(pattern, StringComparison.OrdinalIgnoreCase))
                .Select(d => (Dag: d, State: states.GetValueOrDefault(d.DagId)))
                .Where(x => paused is null || (x.State?.IsPaused ?? x.Dag.Settings.IsPausedUponCreation) == paused)
                .OrderBy(x => x.Dag.DagId, StringComparer.Ordinal)
                .ToList();
            return Results.Json(new Dictionary<string, object>
            {
                ["dags"] = dags.Skip(offset).Take(limit).Select(x => ApiJson.Dag(x.Dag, x.State)).ToList(),
                ["total_entries"] = dags.Count,
            });
        });

        api.MapGet("/dags/{dagId}", async (string dagId, CancellationToken ct) =>
            ctx.Dags.Find(dagId) is { } dag
                ? Results.Json(ApiJson.Dag(dag, await ctx.DagStates.GetAsync(dagId, ct)))
                : Problems.NotFound($"DAG '{dagId}' is not loaded."));

        api.MapGet("/importErrors", (HttpRequest request) =>
        {
            var (limit, offset, error) = Paging.Read(request);
            if (error is not null)
            {
                return error;
            }

            var errors = ctx.Dags.ImportErrors;
            return Results.Json(new Dictionary<string, object>
            {
                ["import_errors"] = errors.Select((e, i) => new Dictionary<string, object?> { ["import_error_id"] = i + 1, ["filename"] = e.Source, ["stack_trace"] = e.Error, ["dag_id"] = e.DagId }).Skip(offset).Take(limit).ToList(),
                ["total_entries"] = errors.Count,
            });
        });

        // Gale's: the runs the timetable creates next (the CLI's dags next-execution, the UI's next data intervals).
        api.MapGet("/dags/{dagId}/nextExecutions", (string dagId, HttpRequest request) =>
        {
            if (ctx.Dags.Find(dagId) is not { } dag)
            {
                return Problems.NotFound($"DAG '{dagId}' is not loaded.");
            }

            var count = 1;
            if (request.Query.TryGetValue("num_executions", out var n) && (!int.TryParse(n, out count) || count is < 1 or > 1000))
            {
                return Problems.BadRequest($"num_executions: '{n}' must be a whole number from 1 to 1000.");
            }

            var zone = TimetableParser.Zone(dag.Settings.Timezone);
            var after = ctx.Engine.Clock.GetUtcNow();
            if (request.Query.TryGetValue("after", out var a))
            {
                try
                {
                    after = TimetableParser.ParseDate(a.ToString(), zone);
                }
                catch (FormatException)
                {
                    return Problems.BadRequest($"after: '{a}' is not an ISO 8601 date or date-time.");
                }
            }

            return Results.Json(new Dictionary<string, object?>
            {
                ["dag_id"] = dag.DagId,
                ["timezone"] = zone.Id,
                ["timetable_summary"] = dag.Timetable.Summary,
                ["can_be_scheduled"] = dag.Timetable.CanBeScheduled,
                ["catchup"] = dag.Settings.Catchup,
                ["after"] = ApiJson.Iso(after),
                ["next_executions"] = UpcomingRuns.After(dag, after, count).Select(i => new Dictionary<string, object?>
                {
                    ["logical_date"] = ApiJson.Iso(i.LogicalDate),
                    ["data_interval_start"] = ApiJson.Iso(i.DataInterval.Start),
                    ["data_interval_end"] = ApiJson.Iso(i.DataInterval.End),
                    ["run_after"] = ApiJson.Iso(i.RunAfter),
                }).ToList(),
            });
        });

        // In topological order, so callers can draw or list the DAG as it runs.
        api.MapGet("/dags/{dagId}/tasks", (string dagId) =>
            ctx.Dags.Find(dagId) is { } dag
                ? Results.Json(new Dictionary<string, object> { ["tasks"] = dag.TopologicalOrder.Select(t => ApiJson.Task(dag, t)).ToList(), ["total_entries"] = dag.TopologicalOrder.Count })
                : Problems.NotFound($"DAG '{dagId}' is not loaded."));

        api.MapGet("/dags/{dagId}/tasks/{taskId}", (string dagId, string taskId) =>
            ctx.Dags.Find(dagId) is not { } dag ? Problems.NotFound($"DAG '{dagId}' is not loaded.")
            : dag.HasTask(taskId) ? Results.Json(ApiJson.Task(dag, dag.GetTask(taskId)))
            : Problems.NotFound($"DAG '{dagId}' has no task '{taskId}'."));

        api.MapPatch("/dags/{dagId}", async (string dagId, HttpRequest request, CancellationToken ct) =>
        {
            if (ctx.Dags.Find(dagId) is not { } dag)
            {
                return Problems.NotFound($"DAG '{dagId}' is not loaded.");
            }

            var (body, error) = await ApiBody.ReadObjectAsync(request, ct);
            if (error is not null)
            {
                return error;
            }

            // Without an update_mask every field sent must be changeable; with one, fields outside it are ignored.
            var b = body!.Value;
            var masked = request.Query["update_mask"].Any(m => (m ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length > 0);
            if (!masked && b.EnumerateObject().Select(f => f.Name).FirstOrDefault(n => n != "is_paused") is { } stray)
            {
                return Problems.BadRequest($"{stray}: only is_paused can be changed.");
            }

            if (!b.TryGetProperty("is_paused", out var isPaused) || isPaused.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return Problems.BadRequest("is_paused: required, true or false.");
            }

            var state = await Scheduler.SetPausedAsync(ctx.DagStates, dag.DagId, isPaused.GetBoolean(), ct);
            return Results.Json(ApiJson.Dag(dag, state));
        });
    }
}

/// <summary>Request bodies: JSON objects, with 400 problems that say what is wrong.</summary>
internal static class ApiBody
{
    /// <summary>The body as a JSON object whose fields are all among <paramref name="fields"/>, or the 400 problem naming the first that is not.</summary>
    public static async Task<(JsonElement? Body, IResult? Error)> ReadObjectAsync(HttpRequest request, IReadOnlyCollection<string> fields, CancellationToken ct)
    {
        var (body, error) = await ReadObjectAsync(request, ct);
        if (body?.EnumerateObject().Select(f => f.Name).FirstOrDefault(n => !fields.Contains(n)) is { } unknown)
        {
            return (null, Problems.BadRequest($"{unknown}: unknown field (expected {string.Join(", ", fields)})."));
        }

        return (body, error);
    }

    /// <summary>True when the body's <paramref name="name"/> is JSON true.</summary>
    public static bool Flag(this JsonElement body, string name) => body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    /// <summary>
    /// The 400 problem naming the first of <paramref name="names"/> that the body has but not as true or false, or null.
    /// A mistyped flag must not read as false: <c>"dry_run": "yes"</c> would otherwise change things for real.
    /// </summary>
    public static IResult? BadFlag(this JsonElement body, IEnumerable<string> names) =>
        names.FirstOrDefault(n => body.TryGetProperty(n, out var v) && v.ValueKind is not (JsonValueKind.True or JsonValueKind.False)) is { } bad
            ? Problems.BadRequest($"{bad}: must be true or false.")
            : null;

    public static async Task<(JsonElement? Body, IResult? Error)> ReadObjectAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            using var json = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            return json.RootElement.ValueKind == JsonValueKind.Object
                ? (json.RootElement.Clone(), null)
                : (null, Problems.BadRequest("body: must be a JSON object."));
        }
        catch (JsonException e)
        {
            return (null, Problems.BadRequest($"body: not valid JSON ({e.Message})."));
        }
    }
}
