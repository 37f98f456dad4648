using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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
        await table.UpsertEntityAsync(new TableEntity(KeyEncoding.RunPartition(run.DagId, run.RunId), row) { ["Item"] = json }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CleanupItem>> ListAsync(RunKey run, CancellationToken cancellationToken = default)
    {
        var items = new List<CleanupItem>();
        await foreach (var e in table.QueryAsync(TableFilter.Create($"PartitionKey eq {KeyEncoding.RunPartition(run.DagId, run.RunId)}"), cancellationToken: cancellationToken))
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
            await foreach (var blob in client.ListBlobsAsync(prefix, cancellationToken: cancellationToken))
            {
                deleted += await client.DeleteBlobAsync(blob.Name, cancellationToken: cancellationToken) ? 1 : 0;
            }
        }
        catch (StorageException e) when (e.IsNotFound)
        {
            // the container is gone: nothing left to delete
        }

        return deleted;
    }

    /// <inheritdoc />
    public Task<bool> DeleteTableAsync(string table, CancellationToken cancellationToken = default) =>
        account.GetTableClient(table).DeleteAsync(cancellationToken);
}
