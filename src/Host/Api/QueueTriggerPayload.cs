using System.Globalization;
using System.Text.Json;
using Gale.Engine;

namespace Gale.Host.Api;

/// <summary>
/// Reads the custom-handler payload of a queueTrigger: <c>Data.&lt;binding&gt;</c> holds the message text (a JSON
/// string; hosts that parse JSON content pass the object itself) and <c>Metadata</c> its <c>Id</c>,
/// <c>PopReceipt</c> and <c>DequeueCount</c>.
/// </summary>
internal static class QueueTriggerPayload
{
    /// <summary>The message the host holds, or a problem naming the field that is missing or malformed.</summary>
    public static (QueueMessageHandle? Message, string? Problem) Read(JsonElement payload, string binding)
    {
        if (!payload.GetProperty("Data").TryGetProperty(binding, out var data) || data.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return (null, $"Data.{binding}: the queue message is required");
        }

        var text = data.ValueKind == JsonValueKind.String ? data.GetString()! : data.GetRawText();
        var metadata = payload.GetProperty("Metadata");
        if (metadata.ValueKind != JsonValueKind.Object || !metadata.TryGetProperty("Id", out var id) || id.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(id.GetString()))
        {
            return (null, "Metadata.Id: the message id is required");
        }

        var receipt = metadata.TryGetProperty("PopReceipt", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : string.Empty;
        long dequeueCount = 1;
        if (metadata.TryGetProperty("DequeueCount", out var count))
        {
            var parsed = count.ValueKind switch
            {
                JsonValueKind.Number when count.TryGetInt64(out var n) => n,
                JsonValueKind.String when long.TryParse(count.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
                _ => -1,
            };
            if (parsed < 0)
            {
                return (null, "Metadata.DequeueCount: must be a non-negative whole number");
            }

            dequeueCount = parsed;
        }

        return (new QueueMessageHandle(id.GetString()!, receipt, text, dequeueCount), null);
    }
}
