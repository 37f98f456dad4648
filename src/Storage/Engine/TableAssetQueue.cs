using System.Text;
using System.Text.Json;
using Gale.Assets;
using Gale.Runs;
using Gale.Storage.Tables;

namespace Gale.Storage.Engine;

/// <summary>
/// Per-DAG asset queues in the <c>assetqueue</c> table (PartitionKey the DAG): a pending row <c>p:{event}</c> (the
/// event and its claim) and a permanent marker row <c>m:{event}</c>, inserted together in one transaction, so an event
/// enters a DAG's queue once even after its pending row was consumed. Triggering events of runs live in
/// <c>runassetevents</c> (PartitionKey the run).
/// </summary>
/// <param name="queue">The <c>assetqueue</c> table.</param>
/// <param name="triggering">The <c>runassetevents</c> table.</param>
public sealed class TableAssetQueue(TableClient queue, TableClient triggering) : IAssetQueue
{
    private const string Pending = "p:";
    private const string Marker = "m:";

    /// <inheritdoc />
    public async Task<int> EnqueueAsync(string dagId, IReadOnlyList<AssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var partition = KeyEncoding.Encode(dagId);
        var added = 0;
        foreach (var chunk in TableBatches.Chunk(events.DistinctBy(e => e.Id).Select(e => (e, PendingRow(partition, e))), operationsPerItem: 2))
        {
            try
            {
                await queue.SubmitTransactionAsync([.. chunk.SelectMany(c => Pair(partition, c.Item, c.Entity))], cancellationToken);
                added += chunk.Count;
            }
            catch (ConcurrencyConflictException)
            {
                // Some were queued before: add one by one, skipping those.
                foreach (var (e, row) in chunk)
                {
                    try
                    {
                        await queue.SubmitTransactionAsync([.. Pair(partition, e, row)], cancellationToken);
                        added++;
                    }
                    catch (ConcurrencyConflictException)
                    {
                        // queued before, perhaps already consumed
                    }
                }
            }
        }

        return added;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<QueuedAssetEvent>> PendingAsync(string dagId, CancellationToken cancellationToken = default)
    {
        var partition = KeyEncoding.Encode(dagId);
        var list = new List<QueuedAssetEvent>();
        await foreach (var row in queue.QueryAsync(TableFilter.Create($"PartitionKey eq {partition} and RowKey ge {Pending} and RowKey lt {"p;"}"), cancellationToken: cancellationToken))
        {
            list.Add(new QueuedAssetEvent(ReadEvent(row), row.GetString("Claim") is { Length: > 0 } claim ? claim : null, row.ETag.ToString()));
        }

        return list;
    }

    /// <inheritdoc />
    public async Task<bool> ClaimAsync(string dagId, string runId, IReadOnlyList<QueuedAssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var partition = KeyEncoding.Encode(dagId);
        foreach (var chunk in events.Chunk(100))
        {
            try
            {
                await queue.SubmitTransactionAsync([.. chunk.Select(q => new TableTransactionAction(TableTransactionActionType.UpdateMerge, ClaimRow(partition, q.Event, runId), new Azure.ETag(q.Version!)))], cancellationToken);
            }
            catch (ConcurrencyConflictException)
            {
                return false;
            }
            catch (StorageException e) when (e.IsNotFound)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public Task ReleaseAsync(string dagId, IReadOnlyList<QueuedAssetEvent> events, CancellationToken cancellationToken = default) =>
        EachAsync(dagId, events, (partition, q) => new TableTransactionAction(TableTransactionActionType.UpdateMerge, ClaimRow(partition, q.Event, string.Empty), Azure.ETag.All), cancellationToken);

    /// <inheritdoc />
    public Task CompleteAsync(string dagId, IReadOnlyList<QueuedAssetEvent> events, CancellationToken cancellationToken = default) =>
        EachAsync(dagId, events, (partition, q) => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, Pending + KeyEncoding.EncodeBounded(q.Event.Id)), Azure.ETag.All), cancellationToken);

    /// <inheritdoc />
    public async Task RecordTriggeringAsync(RunKey run, IReadOnlyList<AssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var partition = KeyEncoding.RunPartition(run.DagId, run.RunId);
        foreach (var chunk in TableBatches.Chunk(events.DistinctBy(e => e.Id).Select(e => (e, EventRow(partition, KeyEncoding.EncodeBounded(e.Id), e)))))
        {
            await triggering.SubmitTransactionAsync([.. chunk.Select(c => new TableTransactionAction(TableTransactionActionType.UpsertReplace, c.Entity))], cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AssetEvent>> TriggeringEventsAsync(RunKey run, CancellationToken cancellationToken = default)
    {
        var list = new List<AssetEvent>();
        await foreach (var row in triggering.QueryAsync(TableFilter.PartitionKeyEquals(KeyEncoding.RunPartition(run.DagId, run.RunId)), cancellationToken: cancellationToken))
        {
            list.Add(ReadEvent(row));
        }

        return [.. list.OrderBy(e => e.Timestamp).ThenBy(e => e.Id, StringComparer.Ordinal)];
    }

    // Applies one action per event, in transactions; events whose rows are gone are skipped.
    private async Task EachAsync(string dagId, IReadOnlyList<QueuedAssetEvent> events, Func<string, QueuedAssetEvent, TableTransactionAction> action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var partition = KeyEncoding.Encode(dagId);
        foreach (var chunk in events.Chunk(100))
        {
            try
            {
                await queue.SubmitTransactionAsync([.. chunk.Select(q => action(partition, q))], cancellationToken);
            }
            catch (StorageException e) when (e.IsNotFound)
            {
                foreach (var q in chunk)
                {
                    try
                    {
                        await queue.SubmitTransactionAsync([action(partition, q)], cancellationToken);
                    }
                    catch (StorageException gone) when (gone.IsNotFound)
                    {
                        // already removed
                    }
                }
            }
        }
    }

    private static IEnumerable<TableTransactionAction> Pair(string partition, AssetEvent e, TableEntity pending)
    {
        yield return new TableTransactionAction(TableTransactionActionType.Add, pending);
        yield return new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, Marker + KeyEncoding.EncodeBounded(e.Id)) { ["At"] = e.Timestamp });
    }

    private static TableEntity PendingRow(string partition, AssetEvent e)
    {
        var row = EventRow(partition, Pending + KeyEncoding.EncodeBounded(e.Id), e);
        row["Claim"] = string.Empty;
        return row;
    }

    private static TableEntity ClaimRow(string partition, AssetEvent e, string runId) =>
        new(partition, Pending + KeyEncoding.EncodeBounded(e.Id)) { ["Claim"] = runId };

    private static TableEntity EventRow(string partition, string rowKey, AssetEvent e)
    {
        var row = new TableEntity(partition, rowKey) { ["Uri"] = e.AssetUri, ["At"] = e.Timestamp };
        EntityBlob.Write(row, JsonSerializer.SerializeToUtf8Bytes(e));
        return row;
    }

    private static AssetEvent ReadEvent(TableEntity row) =>
        JsonSerializer.Deserialize<AssetEvent>(Encoding.UTF8.GetString(EntityBlob.Read(row)))
            ?? throw new InvalidDataException($"asset queue row ({row.PartitionKey}, {row.RowKey}) holds no event");
}
