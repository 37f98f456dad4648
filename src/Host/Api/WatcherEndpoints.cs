using System.Globalization;
using System.Text.Json;
using Gale.Assets.Watchers;
using Gale.Runs;

namespace Gale.Host.Api;

/// <summary>
/// <c>/api/v1/watchers</c>: the asset watchers of the loaded DAGs with their watermarks, and resetting a watermark to
/// replay from a point; <c>/dags/{dag_id}/dagRuns/{run_id}/upstreamAssetEvents</c>: what triggered a run.
/// </summary>
internal static class WatcherEndpoints
{
    private static readonly string[] ResetFields = ["since"];

    public static void MapWatcherEndpoints(this RouteGroupBuilder api, ApiContext ctx)
    {
        api.MapGet("/watchers", async (HttpRequest request, CancellationToken ct) =>
        {
            var (limit, offset, error) = Paging.Read(request);
            if (error is not null)
            {
                return error;
            }

            var all = WatcherCatalog.From(ctx.Dags.Dags);
            var marks = await ctx.Services.Watermarks.ListAsync(ct);
            return Results.Json(new Dictionary<string, object>
            {
                ["watchers"] = all.Skip(offset).Take(limit).Select(w => WatcherJson.Of(w, marks.TryGetValue(w.Watcher.Name, out var m) ? m : new Watermark())).ToList(),
                ["total_entries"] = all.Count,
            });
        });

        api.MapGet("/watchers/{name}", async (string name, CancellationToken ct) =>
            WatcherCatalog.Find(ctx.Dags.Dags, name) is { } entry
                ? Results.Json(WatcherJson.Of(entry, await ctx.Services.Watermarks.GetAsync(name, ct)))
                : Problems.NotFound($"no watcher is named '{name}'."));

        api.MapPost("/watchers/{name}/reset", async (string name, HttpRequest request, CancellationToken ct) =>
        {
            if (WatcherCatalog.Find(ctx.Dags.Dags, name) is not { } entry)
            {
                return Problems.NotFound($"no watcher is named '{name}'.");
            }

            DateTimeOffset? since = null;
            if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
            {
                var (body, error) = await ApiBody.ReadObjectAsync(request, ResetFields, ct);
                if (error is not null)
                {
                    return error;
                }

                if (body!.Value.TryGetProperty("since", out var s) && s.ValueKind != JsonValueKind.Null)
                {
                    if (s.ValueKind != JsonValueKind.String || !DateTimeOffset.TryParse(s.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                    {
                        return Problems.BadRequest("since: must be an ISO 8601 date-time, or null to replay from the beginning");
                    }

                    since = at;
                }
            }

            try
            {
                var mark = await WatcherRunner.ResetAsync(ctx.Services.Watermarks, entry.Watcher, since, DateTimeOffset.UtcNow, "api", ct);
                return Results.Json(WatcherJson.Of(entry, mark));
            }
            catch (ArgumentException e)
            {
                return Problems.BadRequest($"since: {e.Message}");
            }
        });

        api.MapGet("/dags/{dagId}/dagRuns/{runId}/upstreamAssetEvents", async (string dagId, string runId, CancellationToken ct) =>
        {
            var key = new RunKey(dagId, runId);
            if (await ctx.Runs.LoadAsync(key, ct) is null)
            {
                return Problems.NotFound($"DAG '{dagId}' has no run '{runId}'.");
            }

            var events = await ctx.Services.AssetQueue.TriggeringEventsAsync(key, ct);
            return Results.Json(new Dictionary<string, object>
            {
                ["asset_events"] = events.Select(AssetEndpoints.EventJson).ToList(),
                ["total_entries"] = events.Count,
            });
        });
    }
}
