using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Gale.Cleanup;
using Gale.Runs;
using Gale.Storage.Tables;

namespace Gale.Storage.Engine;

/// <summary>Cleanup registrations in the <c>cleanup</c> table: one partition per run, one entity per item (its hash as RowKey, so registering twice is harmless).</summary>
public sealed class TableCleanupRegistry(TableClient table) : ICleanupRegistry
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <inheritdoc />
    public async Task RegisterAsync(RunKey run, CleanupItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        var json = JsonSerializer.Serialize(item, Json);
        var row = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..32];
        await table.UpsertAsync(new TableEntity(KeyEncoding.RunPartition(run.DagId, run.RunId), row) { ["Item"] = json }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CleanupItem>> ListAsync(RunKey run, CancellationToken cancellationToken = default)
    {
        var items = new List<CleanupItem>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {KeyEncoding.RunPartition(run.DagId, run.RunId)}"), cancellationToken: cancellationToken))
        {
            items.Add(JsonSerializer.Deserialize<CleanupItem>(e.GetString("Item")!, Json)!);
        }

        return items;
    }
}

/// <summary>Deletes blob prefixes and tables in the storage account.</summary>
public sealed class StorageArtifactStore(StorageAccountClient account) : IArtifactStore
{
    /// <inheritdoc />
    public async Task<int> DeleteBlobPrefixAsync(string container, string prefix, CancellationToken cancellationToken = default)
    {
        var client = account.GetBlobContainerClient(container);
        var deleted = 0;
        try
        {
            await foreach (var blob in client.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
            {
                deleted += (await client.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken)).Value ? 1 : 0;
            }
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            // the container is gone: nothing left to delete
        }

        return deleted;
    }

    /// <inheritdoc />
    public Task<bool> DeleteTableAsync(string table, CancellationToken cancellationToken = default) =>
        DeleteTableIfExistsAsync(account.GetTableClient(table), cancellationToken);

    private static async Task<bool> DeleteTableIfExistsAsync(Azure.Data.Tables.TableClient table, CancellationToken cancellationToken)
    {
        try
        {
            return (await table.DeleteAsync(cancellationToken)).Status != 404;
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            return false;
        }
    }
}
