using System.Text;
using System.Text.Json;
using Gale.Runs.Events;

namespace Gale.Runs;

/// <summary>Builds the <see cref="ExternalEventRaised"/> the CLI and the API send to a run, checking name and data first.</summary>
public static class ExternalEvents
{
    /// <summary>The event, or the problem with its name or data (naming the field).</summary>
    /// <param name="name">The event's name (letters, digits, <c>_ - .</c>; at most 128).</param>
    /// <param name="data">Its payload as JSON text; null or empty: <c>null</c>.</param>
    /// <param name="now">When it was sent.</param>
    public static (ExternalEventRaised? Event, string? Problem) Create(string name, string? data, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 128 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            return (null, $"name: '{name}' is not an event name (1 to 128 letters, digits, '_', '-' or '.')");
        }

        var json = string.IsNullOrWhiteSpace(data) ? "null" : data.Trim();
        try
        {
            using var _ = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return (null, $"data: not valid JSON ({e.Message})");
        }

        if (Encoding.UTF8.GetByteCount(json) > RunDecider.MaxEventBytes)
        {
            return (null, $"data: {Encoding.UTF8.GetByteCount(json)} bytes; an event's data may have at most {RunDecider.MaxEventBytes}");
        }

        return (new ExternalEventRaised { EventId = $"event:{Guid.NewGuid():N}", Name = name, Data = json, At = now }, null);
    }
}
