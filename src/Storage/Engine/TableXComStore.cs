using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Gale.Engine;
using Gale.Execution;
using Gale.Storage.Tables;

namespace Gale.Storage.Engine;

/// <summary>
/// XComs in the <c>xcom</c> table (PartitionKey: run, RowKey: task|map|key). Values larger than
/// <paramref name="offloadThresholdBytes"/> go to the <c>xcom</c> blob container and the entity keeps a reference,
/// like Airflow's object-storage XCom backend.
/// </summary>
public sealed class TableXComStore(TableClient table, BlobContainerClient blobs, int offloadThresholdBytes = GaleSettings.DefaultXComOffloadThresholdBytes) : IXComStore
{
    /// <inheritdoc />
    public async Task SetAsync(XComKey key, string json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(json);
        var entity = new TableEntity(KeyEncoding.RunPartition(key.DagId, key.RunId), RowKey(key.TaskId, key.MapIndex, key.Key))
        {
            ["TaskId"] = key.TaskId,
            ["MapIndex"] = key.MapIndex,
            ["Key"] = key.Key,
        };
        var bytes = Encoding.UTF8.GetByteCount(json);
        if (bytes > offloadThresholdBytes)
        {
            var blobName = $"{KeyEncoding.Encode(key.DagId)}/{KeyEncoding.Encode(key.RunId)}/{KeyEncoding.Encode(key.TaskId)}/{key.MapIndex}/{KeyEncoding.Encode(key.Key)}.json";
            await blobs.GetBlobClient(blobName).UploadAsync(BinaryData.FromString(json), new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } }, cancellationToken);
            entity["BlobName"] = blobName;
            entity["Size"] = bytes;
        }
        else
        {
            entity["Value"] = json;
        }

        await table.UpsertAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<string?> GetAsync(XComKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var entity = await table.FindAsync(KeyEncoding.RunPartition(key.DagId, key.RunId), RowKey(key.TaskId, key.MapIndex, key.Key), cancellationToken: cancellationToken);
        if (entity is null)
        {
            return null;
        }

        if (entity.GetString("BlobName") is { } blobName)
        {
            var download = await blobs.GetBlobClient(blobName).DownloadContentAsync(cancellationToken);
            return Encoding.UTF8.GetString(download.Value.Content.ToMemory().Span);
        }

        return entity.GetString("Value");
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetMappedAsync(string dagId, string runId, string taskId, string key, CancellationToken cancellationToken = default)
    {
        var partition = KeyEncoding.RunPartition(dagId, runId);
        var prefix = KeyEncoding.Encode(taskId) + "|";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {prefix} and RowKey lt {prefix + "\uffff"} and Key eq {key} and MapIndex ge {0}");
        var found = new List<(int MapIndex, XComKey Key)>();
        await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["MapIndex"], cancellationToken: cancellationToken))
        {
            var mapIndex = e.GetInt32("MapIndex")!.Value;
            found.Add((mapIndex, new XComKey(dagId, runId, taskId, mapIndex, key)));
        }

        var values = new List<string>(found.Count);
        foreach (var (_, xcomKey) in found.OrderBy(f => f.MapIndex))
        {
            values.Add((await GetAsync(xcomKey, cancellationToken))!);
        }

        return values;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> ListKeysAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default)
    {
        var partition = KeyEncoding.RunPartition(dagId, runId);
        var prefix = RowKey(taskId, mapIndex, string.Empty);
        var keys = new List<string>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {prefix} and RowKey lt {prefix + "\uffff"}"), select: ["Key"], cancellationToken: cancellationToken))
        {
            keys.Add(e.GetString("Key")!);
        }

        return [.. keys.Order(StringComparer.Ordinal)];
    }

    /// <inheritdoc />
    public async Task DeleteTaskInstanceAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default)
    {
        var partition = KeyEncoding.RunPartition(dagId, runId);
        var prefix = RowKey(taskId, mapIndex, string.Empty);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {prefix} and RowKey lt {prefix + "\uffff"}");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (e.GetString("BlobName") is { } blobName)
            {
                await blobs.DeleteBlobIfExistsAsync(blobName, cancellationToken: cancellationToken);
            }

            await table.DeleteIfExistsAsync(e.PartitionKey, e.RowKey, cancellationToken: cancellationToken);
        }
    }

    private static string RowKey(string taskId, int mapIndex, string key) =>
        $"{KeyEncoding.Encode(taskId)}|{mapIndex.ToString(System.Globalization.CultureInfo.InvariantCulture)}|{KeyEncoding.Encode(key)}";
}
