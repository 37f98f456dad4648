using Azure;

namespace Gale.Storage.Tables;

/// <summary>
/// A table entity: partition key, row key, system timestamp and ETag, and typed properties. Supported property
/// value types are the service's: string, int, long, double, bool, DateTimeOffset (or UTC DateTime), Guid and byte[].
/// A null value is not stored.
/// </summary>
public sealed class TableEntity : Dictionary<string, object?>
{
    /// <summary>Creates an entity with the given keys.</summary>
    public TableEntity(string partitionKey, string rowKey)
        : base(StringComparer.Ordinal)
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
    }

    /// <summary>The partition key.</summary>
    public string PartitionKey { get; set; }

    /// <summary>The row key.</summary>
    public string RowKey { get; set; }

    /// <summary>The time the service last modified the entity (read-only on the service side).</summary>
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>The entity's ETag as last read or written; pass it back to update or delete with If-Match.</summary>
    public ETag ETag { get; set; }

    /// <summary>A string property, or null.</summary>
    public string? GetString(string name) => Get<string>(name);

    /// <summary>An Int32 property, or null.</summary>
    public int? GetInt32(string name) => TryGetValue(name, out var v) && v is not null ? Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>An Int64 property, or null.</summary>
    public long? GetInt64(string name) => TryGetValue(name, out var v) && v is not null ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>A Double property, or null.</summary>
    public double? GetDouble(string name) => TryGetValue(name, out var v) && v is not null ? Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>A Boolean property, or null.</summary>
    public bool? GetBoolean(string name) => TryGetValue(name, out var v) && v is bool b ? b : null;

    /// <summary>A DateTime property as a <see cref="DateTimeOffset"/> in UTC, or null.</summary>
    public DateTimeOffset? GetDateTimeOffset(string name) => TryGetValue(name, out var v) ? v switch
    {
        DateTimeOffset d => d,
        DateTime d => new DateTimeOffset(d.ToUniversalTime()),
        _ => null,
    } : null;

    /// <summary>A Guid property, or null.</summary>
    public Guid? GetGuid(string name) => TryGetValue(name, out var v) && v is Guid g ? g : null;

    /// <summary>A binary property, or null.</summary>
    public byte[]? GetBinary(string name) => Get<byte[]>(name);

    private T? Get<T>(string name) where T : class => TryGetValue(name, out var v) ? v as T : null;
}
