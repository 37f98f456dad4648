using System.Text.Json;
using Gale.Assets;

namespace Gale.Host.Api;

/// <summary><c>/api/v1/assets</c>: the assets the loaded DAGs mention, their events, and creating an event by hand.</summary>
internal static class AssetEndpoints
{
    private static readonly string[] EventFields = ["asset_uri", "extra"];

    public static void MapAssetEndpoints(this RouteGroupBuilder api, ApiContext ctx)
    {
        api.MapGet("/assets", (HttpRequest request) =>
        {
            var (limit, offset, error) = Paging.Read(request);
            if (error is not null)
            {
                return error;
            }

            var all = AssetCatalog.From(ctx.Dags.Dags);
            return Results.Json(new Dictionary<string, object>
            {
                ["assets"] = all.Skip(offset).Take(limit).Select(e => new Dictionary<string, object?>
                {
                    ["uri"] = e.Asset.Uri,
                    ["name"] = e.Asset.DisplayName,
                    ["group"] = e.Asset.Group,
                    ["producing_tasks"] = e.Producers,
                    ["consuming_tasks"] = e.Consumers,
                    ["consuming_dags"] = e.ScheduledDags,
                    ["watchers"] = e.Watchers,
                }).ToList(),
                ["total_entries"] = all.Count,
            });
        });

        api.MapGet("/assets/events", async (HttpRequest request, CancellationToken ct) =>
        {
            var (limit, offset, error) = Paging.Read(request);
            if (error is not null)
            {
                return error;
            }

            var uri = request.Query["asset_uri"].FirstOrDefault();
            if (string.IsNullOrWhiteSpace(uri))
            {
                return Problems.BadRequest("asset_uri: required (events are listed per asset)");
            }

            var events = await ctx.Services.AssetEvents.ListAsync(uri, DateTimeOffset.MinValue, ct);
            var newestFirst = events.Reverse().ToList();
            return Results.Json(new Dictionary<string, object>
            {
                ["asset_events"] = newestFirst.Skip(offset).Take(limit).Select(EventJson).ToList(),
                ["total_entries"] = newestFirst.Count,
            });
        });

        api.MapPost("/assets/events", async (HttpRequest request, CancellationToken ct) =>
        {
            var (body, error) = await ApiBody.ReadObjectAsync(request, EventFields, ct);
            if (error is not null)
            {
                return error;
            }

            var b = body!.Value;
            var uri = b.TryGetProperty("asset_uri", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            var extra = b.TryGetProperty("extra", out var x) ? x.GetRawText() : null;
            var (created, problem) = AssetCatalog.ManualEvent(uri, extra, DateTimeOffset.UtcNow);
            if (created is null)
            {
                return Problems.BadRequest(problem!);
            }

            await ctx.Publisher.PublishAsync([created], ct);
            return Results.Json(EventJson(created));
        });
    }

    internal static Dictionary<string, object?> EventJson(AssetEvent e) => new()
    {
        ["id"] = e.Id,
        ["asset_uri"] = e.AssetUri,
        ["source"] = e.Source.ToString().ToLowerInvariant(),
        ["timestamp"] = e.Timestamp,
        ["extra"] = JsonDocument.Parse(e.Extra).RootElement.Clone(),
        ["source_dag_id"] = e.SourceDagId,
        ["source_run_id"] = e.SourceRunId,
        ["source_task_id"] = e.SourceTaskId,
        ["source_map_index"] = e.SourceMapIndex,
        ["watcher"] = e.Watcher,
    };
}
