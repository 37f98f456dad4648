using System.Globalization;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Gale.Logs;

namespace Gale.Storage.Engine;

/// <summary>
/// Task logs as append blobs in the <c>logs</c> container, one per try, named like Airflow's log files
/// (<see cref="TaskLogKey.Path"/>). Lines are appended every <paramref name="flushInterval"/>, so a running
/// task's log can be read as it grows.
/// </summary>
public sealed class BlobTaskLogStore(BlobContainerClient container, TimeSpan flushInterval, TimeProvider? clock = null) : ITaskLogStore
{
    /// <summary>A store that flushes every second.</summary>
    public BlobTaskLogStore(BlobContainerClient container)
        : this(container, TimeSpan.FromSeconds(1))
    {
    }

    /// <inheritdoc />
    public Task<TaskLogWriter> OpenAsync(TaskLogKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["try_number"] = key.TryNumber.ToString(CultureInfo.InvariantCulture),
            ["map_index"] = key.MapIndex.ToString(CultureInfo.InvariantCulture),
        };
        // A short try writes its whole log in one request at the end; a longer one creates an append blob at its
        // first flush and appends, so it can be read while it runs.
        var exists = false;
        return Task.FromResult(new TaskLogWriter(
            key,
            async (text, ct) =>
            {
                if (!exists)
                {
                    await container.GetAppendBlobClient(key.Path).CreateAsync(new AppendBlobCreateOptions { HttpHeaders = TextHeaders, Metadata = metadata }, ct);
                    exists = true;
                }

                await AppendAsync(key.Path, text, ct);
            },
            flushInterval,
            clock,
            writeWhole: (text, ct) => container.GetBlobClient(key.Path).UploadAsync(BinaryData.FromString(text), new BlobUploadOptions { HttpHeaders = TextHeaders, Metadata = metadata }, ct)));
    }

    /// <inheritdoc />
    public async Task<string?> ReadAsync(TaskLogKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            var download = await container.GetBlobClient(key.Path).DownloadContentAsync(cancellationToken);
            return Encoding.UTF8.GetString(download.Value.Content.ToMemory().Span);
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<int>> ListTriesAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default)
    {
        var folder = TaskLogKey.Folder(dagId, runId, taskId, mapIndex);
        var tries = new List<int>();
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, folder + "attempt=", cancellationToken))
        {
            var name = blob.Name[(folder.Length + "attempt=".Length)..];
            if (name.EndsWith(".log", StringComparison.Ordinal) && int.TryParse(name[..^4], NumberStyles.None, CultureInfo.InvariantCulture, out var tryNumber))
            {
                tries.Add(tryNumber);
            }
        }

        return [.. tries.Order()];
    }

    private async Task AppendAsync(string path, string text, CancellationToken cancellationToken)
    {
        var blob = container.GetAppendBlobClient(path);
        var bytes = Encoding.UTF8.GetBytes(text);
        // 4 MiB: what every service version and Azurite take in one append (the SDK's constant says 100 MiB for the newest).
        var blockBytes = Math.Min(4 * 1024 * 1024, blob.AppendBlobMaxAppendBlockBytes);
        for (var offset = 0; offset < bytes.Length; offset += blockBytes)
        {
            var length = Math.Min(blockBytes, bytes.Length - offset);
            using var block = new MemoryStream(bytes, offset, length, writable: false);
            await blob.AppendBlockAsync(block, cancellationToken: cancellationToken);
        }
    }

    private static BlobHttpHeaders TextHeaders => new() { ContentType = "text/plain; charset=utf-8" };
}
