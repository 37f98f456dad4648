using System.Text;
using Azure;
using Azure.Data.Tables;
using Gale.Assets;
using Gale.Storage.Tables;

namespace Gale.Storage.Engine;

/// <summary>Asset events in the <c>assetevents</c> table: PartitionKey the asset URI, RowKey the event id, so inserting an id twice fails and the second is dropped.</summary>
public sealed class TableAssetEventStore(TableClient table) : IAssetEventStore
{
    /// <inheritdoc />
    public async Task<bool> AddAsync(AssetEvent e, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        try
        {
            await table.InsertAsync(ToEntity(e), cancellationToken);
            return true;
        }
        catch (RequestFailedException conflict) when (conflict.IsConflict())
        {
            return false; // already stored: the same change, emitted again
        }
    }

    /// <inheritdoc />
    /// <remarks>One transaction per asset and 100 events; a chunk holding an already-stored id is added one by one.</remarks>
    public async Task<IReadOnlyList<AssetEvent>> AddManyAsync(IReadOnlyList<AssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var added = new List<AssetEvent>();
        foreach (var chunk in TableBatches.Chunk(events.DistinctBy(e => (e.AssetUri, e.Id)).Select(e => (e, ToEntity(e)))))
        {
            added.AddRange(await TableBatches.AddNewAsync(table, chunk, (_, entity) => [new TableTransactionAction(TableTransactionActionType.Add, entity)], cancellationToken));
        }

        return added;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AssetEvent>> ListAsync(string assetUri, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var events = new List<AssetEvent>();
        await foreach (var e in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {KeyEncoding.EncodeBounded(assetUri)} and At ge {since}"), cancellationToken: cancellationToken))
        {
            events.Add(new AssetEvent(e.GetString("Id")!, e.GetString("Uri")!, Enum.Parse<AssetEventSource>(e.GetString("Source")!), e.GetDateTimeOffset("At")!.Value)
            {
                Extra = Encoding.UTF8.GetString(EntityBlob.Read(e)) is { Length: > 0 } extra ? extra : "{}",
                SourceDagId = e.GetString("SourceDagId"),
                SourceRunId = e.GetString("SourceRunId"),
                SourceTaskId = e.GetString("SourceTaskId"),
                SourceMapIndex = e.GetInt32("SourceMapIndex") ?? -1,
                Watcher = e.GetString("Watcher"),
            });
        }

        return [.. events.OrderBy(e => e.Timestamp).ThenBy(e => e.Id, StringComparer.Ordinal)];
    }

    private static TableEntity ToEntity(AssetEvent e)
    {
        var entity = new TableEntity(KeyEncoding.EncodeBounded(e.AssetUri), KeyEncoding.EncodeBounded(e.Id))
        {
            ["Uri"] = e.AssetUri,
            ["Id"] = e.Id,
            ["Source"] = e.Source.ToString(),
            ["At"] = e.Timestamp,
            ["SourceDagId"] = e.SourceDagId,
            ["SourceRunId"] = e.SourceRunId,
            ["SourceTaskId"] = e.SourceTaskId,
            ["SourceMapIndex"] = e.SourceMapIndex,
            ["Watcher"] = e.Watcher,
        };
        EntityBlob.Write(entity, Encoding.UTF8.GetBytes(e.Extra));
        return entity;
    }
}
