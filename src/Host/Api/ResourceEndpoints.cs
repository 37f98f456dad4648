using System.Text.Json;
using Gale.Limits;
using Gale.Runs;
using Gale.Scheduling;
using Gale.Secrets;
using Gale.Timetables;

namespace Gale.Host.Api;

/// <summary>Variables, pools and backfills under <c>/api/v1</c>.</summary>
internal static class ResourceEndpoints
{
    private static readonly string[] BackfillFields = ["dag_id", "from_date", "to_date", "run_backwards", "reprocess_behavior", "dry_run", "dag_run_conf", "max_active_runs"];

    public static void MapResourceEndpoints(this RouteGroupBuilder api, ApiContext ctx)
    {
        MapVariables(api, ctx);
        MapPools(api, ctx);
        MapBackfills(api, ctx);
    }

    private static Dictionary<string, object?> VariableJson(Variable v) => new()
    {
        ["key"] = v.Key,
        ["value"] = SecretMasker.IsSensitiveName(v.Key) ? SecretMasker.Mask : v.Value, // as Airflow's API: sensitive values are never sent back
        ["description"] = v.Description,
    };

    private static void MapVariables(RouteGroupBuilder api, ApiContext ctx)
    {
        api.MapGet("/variables", async (HttpRequest request, CancellationToken ct) =>
        {
            var (limit, offset, error) = Paging.Read(request);
            if (error is not null)
            {
                return error;
            }

            var all = await ctx.Services.Variables.ListAsync(ct);
            return Results.Json(new Dictionary<string, object> { ["variables"] = all.Skip(offset).Take(limit).Select(VariableJson).ToList(), ["total_entries"] = all.Count });
        });
        api.MapGet("/variables/{key}", async (string key, CancellationToken ct) =>
            await ctx.Services.Variables.GetAsync(key, ct) is { } v ? Results.Json(VariableJson(v)) : Problems.NotFound($"variable '{key}' does not exist."));
        api.MapPost("/variables", (HttpRequest request, CancellationToken ct) => SetVariableAsync(ctx, request, null, ct));
        api.MapPatch("/variables/{key}", (string key, HttpRequest request, CancellationToken ct) => SetVariableAsync(ctx, request, key, ct));
        api.MapDelete("/variables/{key}", async (string key, CancellationToken ct) =>
            await ctx.Services.Variables.DeleteAsync(key, ct) ? Results.NoContent() : Problems.NotFound($"variable '{key}' does not exist."));
    }

    private static async Task<IResult> SetVariableAsync(ApiContext ctx, HttpRequest request, string? pathKey, CancellationToken ct)
    {
        var (body, error) = await ApiBody.ReadObjectAsync(request, ct);
        if (error is not null)
        {
            return error;
        }

        var b = body!.Value;
        var key = b.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : pathKey;
        if (string.IsNullOrWhiteSpace(key) || (pathKey is not null && key != pathKey))
        {
            return Problems.BadRequest(pathKey is null ? "key: required, a non-empty string." : $"key: must be '{pathKey}' (the path's key).");
        }

        if (!b.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.String)
        {
            return Problems.BadRequest("value: required, a string (JSON text for var.json).");
        }

        var description = b.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        if (pathKey is not null && await ctx.Services.Variables.GetAsync(pathKey, ct) is null)
        {
            return Problems.NotFound($"variable '{pathKey}' does not exist.");
        }

        var variable = new Variable(key, value.GetString()!, description);
        await ctx.Services.Variables.SetAsync(variable, ct);
        return Results.Json(VariableJson(variable));
    }

    private static async Task<Dictionary<string, object?>> PoolJsonAsync(ApiContext ctx, Pool pool, CancellationToken ct)
    {
        var occupied = await ctx.Services.Slots.CountInUseAsync(pool.Name, ctx.Engine.Clock.GetUtcNow(), ct);
        return new()
        {
            ["name"] = pool.Name,
            ["slots"] = pool.Slots,
            ["occupied_slots"] = occupied,
            ["running_slots"] = occupied,
            ["open_slots"] = Math.Max(0, pool.Slots - occupied),
            ["description"] = pool.Description,
        };
    }

    private static void MapPools(RouteGroupBuilder api, ApiContext ctx)
    {
        api.MapGet("/pools", async (HttpRequest request, CancellationToken ct) =>
        {
            var (limit, offset, error) = Paging.Read(request);
            if (error is not null)
            {
                return error;
            }

            var pools = await ctx.Services.Pools.ListEffectiveAsync(ct);
            var page = new List<Dictionary<string, object?>>();
            foreach (var pool in pools.Skip(offset).Take(limit))
            {
                page.Add(await PoolJsonAsync(ctx, pool, ct));
            }

            return Results.Json(new Dictionary<string, object> { ["pools"] = page, ["total_entries"] = pools.Count });
        });
        api.MapGet("/pools/{name}", async (string name, CancellationToken ct) =>
            await ctx.Services.Pools.GetEffectiveAsync(name, ct) is { } pool ? Results.Json(await PoolJsonAsync(ctx, pool, ct)) : Problems.NotFound($"pool '{name}' does not exist."));
        api.MapPost("/pools", (HttpRequest request, CancellationToken ct) => SetPoolAsync(ctx, request, null, ct));
        api.MapPatch("/pools/{name}", (string name, HttpRequest request, CancellationToken ct) => SetPoolAsync(ctx, request, name, ct));
        api.MapDelete("/pools/{name}", async (string name, CancellationToken ct) =>
            name == Pool.DefaultName
                ? Problems.BadRequest("name: default_pool cannot be deleted.")
                : await ctx.Services.Pools.DeleteAsync(name, ct) ? Results.NoContent() : Problems.NotFound($"pool '{name}' does not exist."));
    }

    private static async Task<IResult> SetPoolAsync(ApiContext ctx, HttpRequest request, string? pathName, CancellationToken ct)
    {
        var (body, error) = await ApiBody.ReadObjectAsync(request, ct);
        if (error is not null)
        {
            return error;
        }

        var b = body!.Value;
        var name = b.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : pathName;
        if (string.IsNullOrWhiteSpace(name) || (pathName is not null && name != pathName))
        {
            return Problems.BadRequest(pathName is null ? "name: required, a non-empty string." : $"name: must be '{pathName}' (the path's name).");
        }

        var existing = await ctx.Services.Pools.GetEffectiveAsync(name, ct);
        if (pathName is not null && existing is null)
        {
            return Problems.NotFound($"pool '{pathName}' does not exist.");
        }

        int slots;
        if (b.TryGetProperty("slots", out var s))
        {
            if (s.ValueKind != JsonValueKind.Number || !s.TryGetInt32(out slots) || slots < 0)
            {
                return Problems.BadRequest("slots: must be a whole number of 0 or more.");
            }
        }
        else if (existing is not null)
        {
            slots = existing.Slots;
        }
        else
        {
            return Problems.BadRequest("slots: required.");
        }

        var description = b.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : existing?.Description;
        var pool = new Pool(name, slots, description);
        await ctx.Services.Pools.SetAsync(pool, ct);
        return Results.Json(await PoolJsonAsync(ctx, pool, ct));
    }

    private static void MapBackfills(RouteGroupBuilder api, ApiContext ctx)
    {
        // Airflow 3's backfill resource: the runs are created queued (or cleared) and the scheduler starts them
        // within the DAG's max_active_runs; `gale dags backfill` paces runs itself instead.
        api.MapPost("/backfills", async (HttpRequest request, CancellationToken ct) =>
        {
            var (body, error) = await ApiBody.ReadObjectAsync(request, BackfillFields, ct);
            if (error is not null)
            {
                return error;
            }

            var b = body!.Value;
            if (!b.TryGetProperty("dag_id", out var dagIdJson) || dagIdJson.ValueKind != JsonValueKind.String || ctx.Dags.Find(dagIdJson.GetString()!) is not { } dag)
            {
                return Problems.BadRequest("dag_id: required, a loaded DAG's id.");
            }

            var zone = TimetableParser.Zone(dag.Settings.Timezone);
            DateTimeOffset from, to;
            try
            {
                from = TimetableParser.ParseDate(b.TryGetProperty("from_date", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : throw new FormatException("from_date"), zone);
            }
            catch (FormatException)
            {
                return Problems.BadRequest("from_date: required, an ISO 8601 date or date-time.");
            }

            try
            {
                to = TimetableParser.ParseDate(b.TryGetProperty("to_date", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : throw new FormatException("to_date"), zone);
            }
            catch (FormatException)
            {
                return Problems.BadRequest("to_date: required, an ISO 8601 date or date-time.");
            }

            var reprocess = ReprocessBehavior.None;
            if (b.TryGetProperty("reprocess_behavior", out var r) && (r.ValueKind != JsonValueKind.String || !Enum.TryParse(r.GetString(), ignoreCase: true, out reprocess)))
            {
                return Problems.BadRequest("reprocess_behavior: none, failed or completed.");
            }

            string? conf = null;
            if (b.TryGetProperty("dag_run_conf", out var c) && c.ValueKind != JsonValueKind.Null)
            {
                if (c.ValueKind != JsonValueKind.Object)
                {
                    return Problems.BadRequest("dag_run_conf: must be a JSON object.");
                }

                conf = c.GetRawText();
            }

            // Checked before anything is created, so a bad conf never leaves half a backfill behind.
            if (Gale.Dags.DagParams.Resolve(dag.Settings.Params, conf ?? "{}").Errors is { Count: > 0 } problems)
            {
                return Problems.BadRequest($"dag_run_conf: {string.Join("; ", problems)}.");
            }

            var existing = new List<DagRun>();
            await foreach (var run in ctx.Runs.ListRunsAsync(dag.DagId, cancellationToken: ct))
            {
                existing.Add(run);
            }

            IReadOnlyList<BackfillStep> plan;
            try
            {
                plan = BackfillPlanner.Plan(dag, from, to, existing, reprocess, b.Flag("run_backwards"));
            }
            catch (ArgumentException e)
            {
                return Problems.BadRequest($"from_date/to_date: {e.Message}");
            }

            var now = ctx.Engine.Clock.GetUtcNow();
            var rows = new List<Dictionary<string, object?>>();
            foreach (var step in plan)
            {
                var run = step.Run(now);
                if (!b.Flag("dry_run"))
                {
                    await step.ApplyAsync(ctx.Engine, dag, start: false, onlyFailed: reprocess == ReprocessBehavior.Failed, conf, ct);
                }

                rows.Add(new()
                {
                    ["logical_date"] = ApiJson.Iso(step.Info.LogicalDate),
                    ["data_interval_start"] = ApiJson.Iso(step.Info.DataInterval.Start),
                    ["data_interval_end"] = ApiJson.Iso(step.Info.DataInterval.End),
                    ["action"] = step.Action.ToString().ToLowerInvariant(),
                    ["reason"] = step.Reason,
                    ["dag_run_id"] = run?.RunId ?? step.Existing?.RunId,
                });
            }

            return Results.Json(new Dictionary<string, object?>
            {
                ["dag_id"] = dag.DagId,
                ["from_date"] = ApiJson.Iso(from),
                ["to_date"] = ApiJson.Iso(to),
                ["reprocess_behavior"] = reprocess.ToString().ToLowerInvariant(),
                ["run_backwards"] = b.Flag("run_backwards"),
                ["dry_run"] = b.Flag("dry_run"),
                ["runs"] = rows,
                ["total_entries"] = rows.Count,
            });
        });
    }
}
