using System.Globalization;
using System.Text.Json;
using Gale.Assets.Watchers;

namespace Gale.Host.Api;

/// <summary>
/// Reads the batch the Functions host posts to a custom handler for an eventHubTrigger with cardinality many:
/// <c>Data.events</c> holds the bodies; <c>Metadata</c> holds <c>PartitionContext.PartitionId</c> and, per event,
/// <c>SequenceNumberArray</c>, <c>OffsetArray</c> and <c>EnqueuedTimeUtcArray</c> (or the same fields inside
/// <c>SystemPropertiesArray</c>).
/// </summary>
internal static class EventHubPayload
{
    /// <summary>The events of the batch, or the problem naming the field.</summary>
    public static (IReadOnlyList<EventHubEvent>? Events, string? Problem) Read(JsonElement payload, string bindingName = "events")
    {
        var data = payload.GetProperty("Data");
        var metadata = payload.GetProperty("Metadata");
        if (!data.TryGetProperty(bindingName, out var bodies) || bodies.ValueKind != JsonValueKind.Array)
        {
            return (null, $"Data.{bindingName}: an array of event bodies is required (cardinality many)");
        }

        if (!metadata.TryGetProperty("PartitionContext", out var context) || !TryText(context, "PartitionId", out var partition))
        {
            return (null, "Metadata.PartitionContext.PartitionId: required");
        }

        var events = new List<EventHubEvent>();
        for (var i = 0; i < bodies.GetArrayLength(); i++)
        {
            if (!TryItem(metadata, "SequenceNumber", i, out var seqElement) || !TryLong(seqElement, out var sequence))
            {
                return (null, $"Metadata.SequenceNumberArray[{i}]: a sequence number is required");
            }

            var offset = TryItem(metadata, "Offset", i, out var offsetElement) ? AsText(offsetElement) : string.Empty;
            var enqueued = TryItem(metadata, "EnqueuedTimeUtc", i, out var timeElement) && DateTimeOffset.TryParse(AsText(timeElement), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.UtcNow;
            var body = bodies[i];
            events.Add(new EventHubEvent(partition, sequence, offset, enqueued, body.ValueKind == JsonValueKind.String ? body.GetString()! : body.GetRawText()));
        }

        return (events, null);
    }

    // Metadata.{field}Array[i], else Metadata.SystemPropertiesArray[i].{field}.
    private static bool TryItem(JsonElement metadata, string field, int index, out JsonElement value)
    {
        if (metadata.TryGetProperty(field + "Array", out var array) && array.ValueKind == JsonValueKind.Array && index < array.GetArrayLength())
        {
            value = array[index];
            return true;
        }

        if (metadata.TryGetProperty("SystemPropertiesArray", out var system) && system.ValueKind == JsonValueKind.Array && index < system.GetArrayLength()
            && system[index].ValueKind == JsonValueKind.Object && system[index].TryGetProperty(field, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    private static bool TryLong(JsonElement element, out long value) =>
        element.ValueKind == JsonValueKind.Number ? element.TryGetInt64(out value) : long.TryParse(AsText(element), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    private static bool TryText(JsonElement element, string field, out string text)
    {
        text = element.ValueKind == JsonValueKind.Object && element.TryGetProperty(field, out var value) ? AsText(value) : string.Empty;
        return text.Length > 0;
    }

    private static string AsText(JsonElement element) => element.ValueKind == JsonValueKind.String ? element.GetString() ?? string.Empty : element.GetRawText();
}
