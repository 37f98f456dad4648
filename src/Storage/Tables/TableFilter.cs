using System.Globalization;

namespace Gale.Storage.Tables;

/// <summary>Builds OData <c>$filter</c> expressions with correctly quoted literals.</summary>
public static class TableFilter
{
    /// <summary>
    /// Formats a filter from an interpolated string, quoting each argument as an OData literal:
    /// <c>TableFilter.Create($"PartitionKey eq {pk} and Count gt {n}")</c>.
    /// </summary>
    public static string Create(FormattableString filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var args = filter.GetArguments().Select(Literal).ToArray<object?>();
        return string.Format(CultureInfo.InvariantCulture, filter.Format, args);
    }

    /// <summary>A filter selecting every entity of one partition.</summary>
    public static string PartitionKeyEquals(string partitionKey) => Create($"PartitionKey eq {partitionKey}");

    /// <summary>Renders a value as an OData literal.</summary>
    /// <exception cref="ArgumentException">The value's type has no OData literal form.</exception>
    public static string Literal(object? value) => value switch
    {
        null => "null",
        string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        double d => d.ToString("R", CultureInfo.InvariantCulture) is var r && r.Contains('.', StringComparison.Ordinal) ? r : r + ".0",
        DateTimeOffset dto => $"datetime'{dto.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'}'",
        DateTime dt => Literal(new DateTimeOffset(dt.ToUniversalTime())),
        Guid g => $"guid'{g:D}'",
        byte[] bytes => "X'" + Convert.ToHexString(bytes).ToLowerInvariant() + "'",
        _ => throw new ArgumentException($"A {value.GetType().Name} cannot be used in a table filter.", nameof(value)),
    };
}
