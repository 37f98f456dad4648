using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Gale.Assets;
using Gale.Runs;
using Gale.Storage.Tables;

namespace Gale.Storage.Engine;

/// <summary>
/// Per-DAG asset queues in the <c>assetqueue</c> table (PartitionKey the DAG): a pending row <c>p:{event}</c> and a
/// permanent marker row <c>m:{event}</c>, inserted together in one transaction, so an event enters a DAG's queue once
/// even after its pending row was consumed; a claim row <c>c:{run}</c> lists the events a run being created takes.
/// Triggering events of runs live in <c>runassetevents</c> (PartitionKey the run).
/// </summary>
/// <param name="queue">The <c>assetqueue</c> table.</param>
/// <param name="triggering">The <c>runassetevents</c> table.</param>
public sealed class TableAssetQueue(TableClient queue, TableClient triggering) : IAssetQueue
{
    private const string Pending = "p:";
    private const string Marker = "m:";
    private const string Claim = "c:";
    private const long TriggeringPartBytes = 512 * 1024;

    /// <inheritdoc />
    public async Task<int> EnqueueAsync(string dagId, IReadOnlyList<AssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var partition = KeyEncoding.Encode(dagId);
        var added = 0;
        // The marker row goes first in each pair: a conflict on it means the event was queued before.
        foreach (var chunk in TableBatches.Chunk(events.DistinctBy(e => e.Id).Select(e => (e, PendingRow(partition, e))), operationsPerItem: 2))
        {
            added += (await TableBatches.AddNewAsync(queue, chunk, (e, pending) => [new TableTransactionAction(TableTransactionActionType.Add, MarkerRow(partition, e)), new TableTransactionAction(TableTransactionActionType.Add, pending)], cancellationToken, pending => Marker + pending.RowKey[Pending.Length..])).Count;
        }

        return added;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<QueuedAssetEvent>> PendingAsync(string dagId, CancellationToken cancellationToken = default)
    {
        var partition = KeyEncoding.Encode(dagId);
        var claims = new Dictionary<string, string>(StringComparer.Ordinal);
        var claimRows = new List<(string RunId, string[] Ids)>();
        await foreach (var row in queue.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {Claim} and RowKey lt {"c;"}"), cancellationToken: cancellationToken))
        {
            var ids = JsonSerializer.Deserialize<string[]>(EntityBlob.Read(row)) ?? [];
            claimRows.Add((row.GetString("RunId")!, ids));
            foreach (var id in ids)
            {
                claims[id] = row.GetString("RunId")!;
            }
        }

        var list = new List<QueuedAssetEvent>();
        await foreach (var row in queue.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {Pending} and RowKey lt {"p;"}"), cancellationToken: cancellationToken))
        {
            var e = ReadEvent(row);
            list.Add(new QueuedAssetEvent(e, claims.GetValueOrDefault(e.Id), row.ETag.ToString()));
        }

        // A claim whose events are all gone was completed by a tick that died before removing the claim itself.
        var pendingIds = list.Select(q => q.Event.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var (runId, ids) in claimRows.Where(c => !c.Ids.Any(pendingIds.Contains)))
        {
            await queue.DeleteIfExistsAsync(partition, Claim + KeyEncoding.EncodeBounded(runId), cancellationToken: cancellationToken);
        }

        return list;
    }

    /// <inheritdoc />
    /// <remarks>One claim row per run lists the event ids, so claiming costs one write whatever the number of events.</remarks>
    public async Task<bool> ClaimAsync(string dagId, string runId, IReadOnlyList<QueuedAssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var row = new TableEntity(KeyEncoding.Encode(dagId), Claim + KeyEncoding.EncodeBounded(runId)) { ["RunId"] = runId };
        EntityBlob.Write(row, JsonSerializer.SerializeToUtf8Bytes(events.Select(q => q.Event.Id).ToArray()));
        try
        {
            await queue.InsertAsync(row, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(string dagId, IReadOnlyList<QueuedAssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var runId in events.Select(q => q.ClaimedBy).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            await queue.DeleteIfExistsAsync(KeyEncoding.Encode(dagId), Claim + KeyEncoding.EncodeBounded(runId), cancellationToken: cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task CompleteAsync(string dagId, IReadOnlyList<QueuedAssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var partition = KeyEncoding.Encode(dagId);
        foreach (var chunk in events.Chunk(100))
        {
            try
            {
                await queue.SubmitAsync([.. chunk.Select(Delete)], cancellationToken);
            }
            catch (RequestFailedException e) when (e.IsNotFound())
            {
                foreach (var q in chunk)
                {
                    await queue.DeleteIfExistsAsync(partition, Pending + KeyEncoding.EncodeBounded(q.Event.Id), cancellationToken: cancellationToken);
                }
            }
        }

        // The claim goes last: while it exists, a crash leaves the remaining events claimed, never free.
        await ReleaseAsync(dagId, events, cancellationToken);

        TableTransactionAction Delete(QueuedAssetEvent q) =>
            new(TableTransactionActionType.Delete, new TableEntity(partition, Pending + KeyEncoding.EncodeBounded(q.Event.Id)), Azure.ETag.All);
    }

    /// <inheritdoc />
    /// <remarks>The events are stored as a few compressed entities (about 512 KiB of JSON each), not a row per event.</remarks>
    public async Task RecordTriggeringAsync(RunKey run, IReadOnlyList<AssetEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var partition = KeyEncoding.RunPartition(run.DagId, run.RunId);
        var part = 0;
        var batch = new List<AssetEvent>();
        long bytes = 0;
        foreach (var e in events.DistinctBy(e => e.Id))
        {
            var size = 256 + e.Extra.Length * 2L + e.Id.Length * 2L;
            if (batch.Count > 0 && bytes + size > TriggeringPartBytes)
            {
                await WritePartAsync(part++);
            }

            batch.Add(e);
            bytes += size;
        }

        await WritePartAsync(part);

        async Task WritePartAsync(int index)
        {
            var row = new TableEntity(partition, index.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)) { ["Count"] = batch.Count };
            EntityBlob.Write(row, JsonSerializer.SerializeToUtf8Bytes(batch));
            await triggering.UpsertAsync(row, TableUpdateMode.Replace, cancellationToken);
            batch = [];
            bytes = 0;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AssetEvent>> TriggeringEventsAsync(RunKey run, CancellationToken cancellationToken = default)
    {
        var list = new List<AssetEvent>();
        await foreach (var row in triggering.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {KeyEncoding.RunPartition(run.DagId, run.RunId)}"), cancellationToken: cancellationToken))
        {
            list.AddRange(JsonSerializer.Deserialize<List<AssetEvent>>(EntityBlob.Read(row)) ?? []);
        }

        return [.. list.OrderBy(e => e.Timestamp).ThenBy(e => e.Id, StringComparer.Ordinal)];
    }

    private static TableEntity MarkerRow(string partition, AssetEvent e) =>
        new(partition, Marker + KeyEncoding.EncodeBounded(e.Id)) { ["At"] = e.Timestamp };

    private static TableEntity PendingRow(string partition, AssetEvent e)
    {
        return EventRow(partition, Pending + KeyEncoding.EncodeBounded(e.Id), e);
    }

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
