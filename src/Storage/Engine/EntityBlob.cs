using System.IO.Compression;
using Azure.Data.Tables;
using Gale.Storage.Tables;

namespace Gale.Storage.Engine;

/// <summary>Stores a byte payload gzip-compressed across binary properties D0, D1, … of one entity (each ≤ 64 KiB).</summary>
internal static class EntityBlob
{
    private const int MaxParts = 15; // 15 × 64 KiB stays under the 1 MiB entity limit with room for other properties.

    public static void Write(TableEntity entity, ReadOnlySpan<byte> payload)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(payload);
        }

        var bytes = compressed.ToArray();
        var parts = (bytes.Length + TableLimits.MaxPropertyBytes - 1) / TableLimits.MaxPropertyBytes;
        if (parts > MaxParts)
        {
            throw new InvalidOperationException($"Entity ({entity.PartitionKey}, {entity.RowKey}): {bytes.Length:N0} compressed bytes do not fit in one entity.");
        }

        for (var i = 0; i < Math.Max(parts, 1); i++)
        {
            var start = i * TableLimits.MaxPropertyBytes;
            entity[$"D{i}"] = bytes.AsSpan(start, Math.Min(TableLimits.MaxPropertyBytes, bytes.Length - start)).ToArray();
        }
    }

    public static byte[] Read(TableEntity entity)
    {
        using var compressed = new MemoryStream();
        for (var i = 0; entity.GetBinary($"D{i}") is { } part; i++)
        {
            compressed.Write(part);
        }

        if (compressed.Length == 0)
        {
            return [];
        }

        compressed.Position = 0;
        using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
        using var result = new MemoryStream();
        gzip.CopyTo(result);
        return result.ToArray();
    }
}
