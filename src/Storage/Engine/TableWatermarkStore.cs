using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Gale.Assets.Watchers;
using Gale.Storage.Tables;

namespace Gale.Storage.Engine;

/// <summary>
/// Watcher watermarks in the <c>watermarks</c> table: one entity per watcher (PartitionKey <c>watcher</c>, RowKey the
/// name), its values as compressed JSON, replaced only with the ETag it was read with.
/// </summary>
/// <param name="table">The <c>watermarks</c> table.</param>
public sealed class TableWatermarkStore(TableClient table) : IWatermarkStore
{
    private const string Partition = "watcher";

    /// <inheritdoc />
    public async Task<Watermark> GetAsync(string watcher, CancellationToken cancellationToken = default) =>
        await table.FindAsync(Partition, KeyEncoding.EncodeBounded(watcher), cancellationToken: cancellationToken) is { } row ? Read(row) : new Watermark();

    /// <inheritdoc />
    public async Task<Watermark?> TryReplaceAsync(string watcher, Watermark next, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(next);
        var row = new TableEntity(Partition, KeyEncoding.EncodeBounded(watcher))
        {
            ["Watcher"] = watcher,
            ["Epoch"] = next.Epoch,
            ["EventsEmitted"] = next.EventsEmitted,
            ["UpdatedAt"] = next.UpdatedAt,
            ["UpdatedBy"] = next.UpdatedBy,
        };
        EntityBlob.Write(row, JsonSerializer.SerializeToUtf8Bytes(next.Values));
        try
        {
            var etag = next.Version is null
                ? await table.InsertAsync(row, cancellationToken)
                : await table.UpdateAsync(row, new Azure.ETag(next.Version), TableUpdateMode.Replace, cancellationToken);
            return next with { Version = etag.ToString() };
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            return null;
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            return null; // deleted since it was read
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, Watermark>> ListAsync(CancellationToken cancellationToken = default)
    {
        var marks = new SortedDictionary<string, Watermark>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken))
        {
            marks[row.GetString("Watcher")!] = Read(row);
        }

        return marks;
    }

    private static Watermark Read(TableEntity row) => new()
    {
        Values = JsonSerializer.Deserialize<Dictionary<string, string>>(Encoding.UTF8.GetString(EntityBlob.Read(row))) ?? [],
        Epoch = row.GetInt32("Epoch") ?? 0,
        EventsEmitted = row.GetInt64("EventsEmitted") ?? 0,
        UpdatedAt = row.GetDateTimeOffset("UpdatedAt"),
        UpdatedBy = row.GetString("UpdatedBy"),
        Version = row.ETag.ToString(),
    };
}
