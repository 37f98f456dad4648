using System.Text;
using Azure.Data.Tables;

namespace Gale.Storage.Tables;

/// <summary>
/// The table service's documented limits, checked before a request is sent so that an oversized value fails with a
/// clear message instead of a bare 400 (or silent truncation by an emulator). The Azure SDK sends whatever it is
/// given, so every write of Gale's goes through <see cref="TableOperations"/>, which checks these first.
/// </summary>
public static class TableLimits
{
    /// <summary>Maximum size of one entity: 1 MiB.</summary>
    public const int MaxEntityBytes = 1024 * 1024;

    /// <summary>Maximum size of one string or binary property value: 64 KiB.</summary>
    public const int MaxPropertyBytes = 64 * 1024;

    /// <summary>Maximum size of a partition or row key: 1 KiB (UTF-16), i.e. 512 characters.</summary>
    public const int MaxKeyChars = 512;

    /// <summary>Maximum number of custom properties (255 including PartitionKey, RowKey and Timestamp).</summary>
    public const int MaxProperties = 252;

    /// <summary>Maximum length of a property name.</summary>
    public const int MaxPropertyNameLength = 255;

    /// <summary>Maximum number of operations in one entity group transaction.</summary>
    public const int MaxTransactionActions = 100;

    /// <summary>The earliest DateTime the service stores.</summary>
    public static readonly DateTimeOffset MinDateTime = new(1601, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Checks a partition or row key: length and the characters the service forbids (<c>/ \ # ?</c> and control characters).</summary>
    /// <exception cref="ArgumentException">The key is invalid; the message names it and why.</exception>
    public static void ValidateKey(string? key, string keyName, string table)
    {
        if (key is null)
        {
            throw new ArgumentException($"Table '{table}': {keyName} is required.", keyName);
        }

        if (key.Length > MaxKeyChars)
        {
            throw new ArgumentException($"Table '{table}': {keyName} is {key.Length} characters; the limit is {MaxKeyChars} (1 KiB).", keyName);
        }

        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            if (c is '/' or '\\' or '#' or '?' || c <= '\u001F' || c is >= '\u007F' and <= '\u009F')
            {
                throw new ArgumentException(
                    $"Table '{table}': {keyName} '{Printable(key)}' contains the character U+{(int)c:X4} at position {i}, which table keys may not contain (/ \\ # ? and control characters).",
                    keyName);
            }
        }
    }

    /// <summary>Checks every limit that applies to an entity before it is written.</summary>
    /// <exception cref="ArgumentException">An entity, key, property name or value breaks a limit; the message names which.</exception>
    public static void ValidateEntity(TableEntity entity, string table)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ValidateKey(entity.PartitionKey, "PartitionKey", table);
        ValidateKey(entity.RowKey, "RowKey", table);
        var where = $"Table '{table}', entity ({Printable(entity.PartitionKey)}, {Printable(entity.RowKey)})";
        var properties = entity.Where(p => !IsSystemProperty(p.Key)).ToList();
        if (properties.Count > MaxProperties)
        {
            throw new ArgumentException($"{where}: {properties.Count} properties; the limit is {MaxProperties}.", nameof(entity));
        }

        long size = 4 + (entity.PartitionKey.Length * 2) + (entity.RowKey.Length * 2);
        foreach (var (name, value) in properties)
        {
            ValidatePropertyName(name, where);
            if (value is null)
            {
                continue;
            }

            var valueSize = value switch
            {
                string s => 4 + (s.Length * 2L),
                byte[] b => 4 + b.Length,
                BinaryData b => 4 + b.ToMemory().Length,
                int => 4,
                long => 8,
                double => 8,
                bool => 1,
                DateTimeOffset or DateTime => 8,
                Guid => 16,
                _ => throw new ArgumentException(
                    $"{where}: property '{name}' has type {value.GetType().Name}, which tables cannot store (use string, int, long, double, bool, DateTimeOffset, Guid or byte[]).",
                    nameof(entity)),
            };
            var dataBytes = value switch { string s => s.Length * 2L, byte[] b => b.Length, BinaryData b => b.ToMemory().Length, _ => 0L };
            if (dataBytes > MaxPropertyBytes)
            {
                throw new ArgumentException(
                    $"{where}: property '{name}' is {dataBytes:N0} bytes; a table property holds at most {MaxPropertyBytes:N0} bytes (64 KiB; strings count 2 bytes per UTF-16 character).",
                    nameof(entity));
            }

            if (value is double d && !double.IsFinite(d))
            {
                throw new ArgumentException($"{where}: property '{name}' is {d}; the table service's JSON has no NaN or infinity (store it as a string).", nameof(entity));
            }

            ValidateDateTime(name, value, where);
            size += 8 + (name.Length * 2) + valueSize;
        }

        if (size > MaxEntityBytes)
        {
            throw new ArgumentException($"{where}: the entity is {size:N0} bytes; the limit is {MaxEntityBytes:N0} (1 MiB).", nameof(entity));
        }
    }

    private static void ValidateDateTime(string name, object value, string where)
    {
        if (value is DateTime { Kind: DateTimeKind.Unspecified })
        {
            throw new ArgumentException($"{where}: property '{name}' is a DateTime with unspecified kind; use UTC or DateTimeOffset.", nameof(value));
        }

        var instant = value switch
        {
            DateTimeOffset d => d,
            DateTime d => new DateTimeOffset(d.ToUniversalTime()),
            _ => (DateTimeOffset?)null,
        };
        if (instant < MinDateTime)
        {
            throw new ArgumentException($"{where}: property '{name}' is {instant:O}; tables store dates from 1601-01-01 UTC.", nameof(value));
        }
    }

    private static void ValidatePropertyName(string name, string where)
    {
        if (string.IsNullOrEmpty(name) || name.Length > MaxPropertyNameLength)
        {
            throw new ArgumentException($"{where}: property name '{name}' must be 1 to {MaxPropertyNameLength} characters.", nameof(name));
        }

        if (!(char.IsLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsLetterOrDigit(c) || c == '_'))
        {
            throw new ArgumentException($"{where}: property name '{name}' must start with a letter or '_' and contain only letters, digits and '_'.", nameof(name));
        }

        if (name is "ETag")
        {
            throw new ArgumentException($"{where}: '{name}' is a system property; set it on the entity, not as a custom property.", nameof(name));
        }
    }

    // The SDK's TableEntity keeps the keys, the timestamp and the ETag in its dictionary beside the custom properties.
    private static bool IsSystemProperty(string name) => name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag";

    internal static string Printable(string key)
    {
        var sb = new StringBuilder();
        foreach (var c in key.Length > 60 ? key[..60] + "…" : key)
        {
            sb.Append(char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString());
        }

        return sb.ToString();
    }
}
