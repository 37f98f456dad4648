using System.Globalization;
using System.Text;
using Gale.Logs;
using Gale.Storage.Blobs;

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
        var metadata = new Dictionary<string, string>
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
                    await container.CreateAppendBlobAsync(key.Path, metadata: metadata, contentType: "text/plain; charset=utf-8", cancellationToken: ct);
                    exists = true;
                }

                await AppendAsync(key.Path, text, ct);
            },
            flushInterval,
            clock,
            writeWhole: (text, ct) => container.UploadAsync(key.Path, BinaryData.FromString(text), metadata: metadata, contentType: "text/plain; charset=utf-8", cancellationToken: ct)));
    }

    /// <inheritdoc />
    public async Task<string?> ReadAsync(TaskLogKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            using var download = await container.DownloadAsync(key.Path, cancellationToken);
            using var reader = new StreamReader(download.Content, Encoding.UTF8);
            return await reader.ReadToEndAsync(cancellationToken);
        }
        catch (StorageException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<int>> ListTriesAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default)
    {
        var folder = TaskLogKey.Folder(dagId, runId, taskId, mapIndex);
        var tries = new List<int>();
        await foreach (var blob in container.ListBlobsAsync(folder + "attempt=", cancellationToken: cancellationToken))
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
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var offset = 0; offset < bytes.Length; offset += BlobContainerClient.MaxAppendBlockBytes)
        {
            var length = Math.Min(BlobContainerClient.MaxAppendBlockBytes, bytes.Length - offset);
            await container.AppendBlockAsync(path, BinaryData.FromBytes(bytes.AsMemory(offset, length)), cancellationToken);
        }
    }
}
