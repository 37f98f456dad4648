using Azure;

namespace Gale.Storage.Blobs;

/// <summary>A blob's properties and metadata.</summary>
public sealed record BlobProperties(
    ETag ETag,
    DateTimeOffset LastModified,
    long ContentLength,
    string? ContentType,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>A blob as listed: its name and properties.</summary>
public sealed record BlobItem(string Name, BlobProperties Properties);

/// <summary>One page of a blob listing and the marker that continues it, or null on the last page.</summary>
public sealed record BlobPage(IReadOnlyList<BlobItem> Items, string? ContinuationToken);

/// <summary>What an upload returns.</summary>
public sealed record BlobContentInfo(ETag ETag, DateTimeOffset LastModified);

/// <summary>A downloaded blob: its content stream (dispose it) and properties.</summary>
public sealed class BlobDownloadResult : IDisposable
{
    internal BlobDownloadResult(Stream content, BlobProperties properties)
    {
        Content = content;
        Properties = properties;
    }

    /// <summary>The blob's bytes, streamed from the service.</summary>
    public Stream Content { get; }

    /// <summary>The blob's properties and metadata.</summary>
    public BlobProperties Properties { get; }

    /// <inheritdoc />
    public void Dispose() => Content.Dispose();
}

/// <summary>Conditions for a write: create only if absent (<see cref="IfNoneMatch"/> = <see cref="ETag.All"/>) or only if unchanged (<see cref="IfMatch"/>).</summary>
public sealed record BlobConditions
{
    /// <summary>Write only when the blob does not exist.</summary>
    public static BlobConditions CreateOnly { get; } = new() { IfNoneMatch = ETag.All };

    /// <summary>Write only when the blob's ETag matches.</summary>
    public ETag? IfMatch { get; init; }

    /// <summary>Write only when the blob's ETag does not match (<see cref="ETag.All"/>: only when absent).</summary>
    public ETag? IfNoneMatch { get; init; }
}
