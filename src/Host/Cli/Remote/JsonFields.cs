using System.Text.Json;

namespace Gale.Host.Cli.Remote;

/// <summary>
/// Reading the fields of API-shaped JSON for tables. Commands whose storage path builds the same JSON the API sends
/// (<see cref="Of"/>) print both paths with one printer, so tables and <c>--output json</c> cannot drift apart.
/// </summary>
internal static class JsonFields
{
    /// <summary><paramref name="value"/> as JSON, the way the API would send it.</summary>
    public static JsonElement Of(object value) => JsonSerializer.SerializeToElement(value, CliOutput.Json);

    /// <summary>A string property, or empty when it is missing or not a string.</summary>
    public static string Text(this JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty;

    /// <summary>An array of strings joined with ", ", or empty.</summary>
    public static string Joined(this JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Array ? string.Join(", ", v.EnumerateArray().Select(x => x.ToString())) : string.Empty;

    /// <summary>A date-time property, or null when it is missing or null.</summary>
    public static DateTimeOffset? Instant(this JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetDateTimeOffset() : null;
}
