using System.Text.Json;
using Gale.Engine;
using Gale.Storage.Engine;

namespace Gale.Host.Api;

/// <summary>
/// <c>/api/v1/poisonMessages</c>: what the Functions host gave up on (a queue message that failed maxDequeueCount
/// times) and what was never a Gale message, with the run and task it names; and a replay that sends them back.
/// Gale's own addition: Airflow has no queues to poison.
/// </summary>
internal static class PoisonEndpoints
{
    private static readonly string[] ReplayFields = ["queue", "message_ids"];
    private const int BodyLimit = 2048;

    public static void MapPoisonEndpoints(this RouteGroupBuilder api, ApiContext ctx)
    {
        api.MapGet("/poisonMessages", async (HttpRequest request, CancellationToken ct) =>
        {
            var (limit, offset, error) = Paging.Read(request);
            if (error is not null)
            {
                return error;
            }

            var queue = request.Query["queue"].FirstOrDefault();
            if (queue is not null && !ctx.Poison.Queues.Contains(queue, StringComparer.Ordinal))
            {
                return Problems.BadRequest($"queue: must be one of {string.Join(", ", ctx.Poison.Queues)}.");
            }

            var (messages, approximate) = await ctx.Poison.PeekAsync(ct);
            var shown = messages.Where(m => queue is null || m.Queue == queue).ToList();
            return Results.Json(new Dictionary<string, object>
            {
                ["poison_messages"] = shown.Skip(offset).Take(limit).Select(m => Json(ctx, m)).ToList(),
                ["total_entries"] = shown.Count,
                ["approximate_count"] = approximate,
            });
        });

        api.MapPost("/poisonMessages/replay", async (HttpRequest request, CancellationToken ct) =>
        {
            var (body, error) = await ApiBody.ReadObjectAsync(request, ReplayFields, ct);
            if (error is not null)
            {
                return error;
            }

            var b = body!.Value;
            var queue = b.TryGetProperty("queue", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : null;
            if (queue is null || !ctx.Poison.Queues.Contains(queue, StringComparer.Ordinal))
            {
                return Problems.BadRequest($"queue: required, one of {string.Join(", ", ctx.Poison.Queues)}.");
            }

            List<string>? ids = null;
            if (b.TryGetProperty("message_ids", out var list))
            {
                if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(e.GetString())))
                {
                    return Problems.BadRequest("message_ids: must be a list of message ids (strings); leave it out to replay every message.");
                }

                ids = [.. list.EnumerateArray().Select(e => e.GetString()!)];
            }

            var replay = await ctx.Poison.ReplayAsync(queue, ids, ct);
            return Results.Json(new Dictionary<string, object> { ["queue"] = queue, ["replayed"] = replay.Replayed, ["not_found"] = replay.NotFound });
        });
    }

    // The run and task a message names, when it is a Gale message; the body is masked and cut short.
    private static Dictionary<string, object?> Json(ApiContext ctx, PoisonMessage m)
    {
        var json = new Dictionary<string, object?>
        {
            ["queue"] = m.Queue,
            ["message_id"] = m.MessageId,
            ["inserted_at"] = ApiJson.Iso(m.InsertedOn),
            ["dequeue_count"] = m.DequeueCount,
            ["dag_id"] = null,
            ["dag_run_id"] = null,
            ["task_id"] = null,
            ["map_index"] = null,
            ["try_number"] = null,
            ["event"] = null,
            ["readable"] = true,
        };
        var (body, _) = StorageMessageQueue.Open(m.Body, DateTimeOffset.MinValue);
        try
        {
            if (m.Queue == "tasks")
            {
                var attempt = EngineMessages.Deserialize<AttemptMessage>(body);
                (json["dag_id"], json["dag_run_id"], json["task_id"], json["map_index"], json["try_number"]) = (attempt.DagId, attempt.RunId, attempt.TaskId, attempt.MapIndex, attempt.TryNumber);
            }
            else
            {
                var control = EngineMessages.Deserialize<ControlMessage>(body);
                (json["dag_id"], json["dag_run_id"], json["event"]) = (control.DagId, control.RunId, control.Event.GetType().Name);
            }
        }
        catch (JsonException)
        {
            json["readable"] = false;
        }

        var masked = ctx.Services.Masker.Redact(body);
        json["body"] = masked.Length > BodyLimit ? masked[..BodyLimit] + "…" : masked;
        return json;
    }
}
