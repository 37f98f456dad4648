using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Gale.Bench;

/// <summary>Counts the storage requests a benchmark makes, by service and kind, so a figure can say where requests go.</summary>
public sealed class RequestCounter : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>The process-wide counter the benchmark's storage clients report to.</summary>
    public static RequestCounter Shared { get; } = new();

    /// <inheritdoc />
    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _counts.AddOrUpdate($"{Kind(message.Request.Uri.ToUri())} {message.Request.Method}", 1, (_, n) => n + 1);
    }

    // Azurite and Azure paths: queue messages, table entity-group batches, table entities and queries, else blobs.
    private static string Kind(Uri uri) =>
        uri.AbsolutePath.Contains("/messages", StringComparison.Ordinal) ? "queue"
        : uri.AbsolutePath.Contains("$batch", StringComparison.Ordinal) || uri.AbsolutePath.Contains("%24batch", StringComparison.OrdinalIgnoreCase) ? "table batch"
        : uri.AbsolutePath.Contains('(', StringComparison.Ordinal) ? "table"
        : "blob";

    /// <summary>Takes the counts since the last call and starts again.</summary>
    public IReadOnlyDictionary<string, long> Take()
    {
        var snapshot = _counts.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        _counts.Clear();
        return snapshot;
    }
}
