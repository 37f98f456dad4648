using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Gale.Engine;
using Gale.Runs;
using Gale.Storage.Tables;

namespace Gale.Storage.Engine;

/// <summary>
/// Run snapshots in the <c>runs</c> table: one partition per run holding the header, the task-instance chunks and
/// the history. Every save is one entity group transaction with If-Match on the header, so a commit is atomic and a
/// lost race surfaces as <see cref="RunConflictException"/>.
/// </summary>
public sealed class TableRunStore(TableClient runs) : IRunStore
{
    /// <inheritdoc />
    public async Task<RunSnapshot?> LoadAsync(RunKey key, CancellationToken cancellationToken = default)
    {
        var partition = KeyEncoding.RunPartition(key.DagId, key.RunId);
        TableEntity? header = null;
        var chunks = new List<TableEntity>();
        await foreach (var e in runs.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {RunSnapshotCodec.HeaderRowKey}"), cancellationToken: cancellationToken))
        {
            if (e.RowKey == RunSnapshotCodec.HeaderRowKey)
            {
                header = e;
            }
            else if (e.RowKey.StartsWith(RunSnapshotCodec.ChunkPrefix, StringComparison.Ordinal))
            {
                chunks.Add(e);
            }
        }

        if (header is null)
        {
            return null;
        }

        var snapshot = RunSnapshotCodec.Read(header, chunks);
        return snapshot with { Version = Version(header.ETag, header.GetInt32("Chunks") ?? 1, header.GetInt64("Sequence") ?? 0) };
    }

    /// <inheritdoc />
    public async Task<RunSnapshot?> CreateAsync(RunSnapshot snapshot, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var chunks = RunSnapshotCodec.ChunkCountFor(snapshot.Tasks.Count);
        var partition = KeyEncoding.RunPartition(snapshot.Run.DagId, snapshot.Run.RunId);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, RunSnapshotCodec.Header(snapshot, chunks, 0)) };
        var byChunk = snapshot.Tasks.Values.ToLookup(t => RunSnapshotCodec.ChunkOf(t.Key, chunks));
        for (var i = 0; i < chunks; i++)
        {
            actions.Add(new(TableTransactionActionType.Add, RunSnapshotCodec.Chunk(partition, i, byChunk[i])));
        }

        try
        {
            var etags = await runs.SubmitAsync(actions, cancellationToken);
            return snapshot with { Version = Version(etags[0], chunks, 0) };
        }
        catch (RequestFailedException e) when (e.IsAlreadyExists())
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<RunSnapshot> SaveAsync(RunSnapshot previous, RunSnapshot next, IReadOnlyList<TaskTransition> transitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(transitions);
        var (etag, chunks, sequence) = ParseVersion(previous.Version ?? throw new ArgumentException("The previous snapshot was never stored.", nameof(previous)));
        var partition = KeyEncoding.RunPartition(next.Run.DagId, next.Run.RunId);
        var changedChunks = next.Tasks
            .Where(p => !ReferenceEquals(previous.Find(p.Key), p.Value))
            .Select(p => RunSnapshotCodec.ChunkOf(p.Key, chunks))
            .Concat(previous.Tasks.Keys.Where(k => !next.Tasks.ContainsKey(k)).Select(k => RunSnapshotCodec.ChunkOf(k, chunks)))
            .ToHashSet();
        var byChunk = next.Tasks.Values.Where(t => changedChunks.Contains(RunSnapshotCodec.ChunkOf(t.Key, chunks))).ToLookup(t => RunSnapshotCodec.ChunkOf(t.Key, chunks));

        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, RunSnapshotCodec.Header(next, chunks, sequence + 1), etag) };
        actions.AddRange(changedChunks.Order().Select(c => new TableTransactionAction(TableTransactionActionType.UpsertReplace, RunSnapshotCodec.Chunk(partition, c, byChunk[c]))));
        if (transitions.Count > 0)
        {
            actions.Add(new(TableTransactionActionType.Add, RunSnapshotCodec.History(partition, sequence + 1, transitions)));
        }

        try
        {
            var etags = await runs.SubmitAsync(actions, cancellationToken);
            return next with { Version = Version(etags[0], chunks, sequence + 1) };
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            throw new RunConflictException(next.Key, e);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaskTransition>> ReadHistoryAsync(RunKey key, CancellationToken cancellationToken = default)
    {
        var partition = KeyEncoding.RunPartition(key.DagId, key.RunId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {RunSnapshotCodec.HistoryPrefix} and RowKey lt {"h."}");
        var history = new List<TaskTransition>();
        await foreach (var e in runs.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            history.AddRange(RunSnapshotCodec.ReadHistory(e));
        }

        return history;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<DagRun> ListRunsAsync(string? dagId = null, DagRunState? state = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"RowKey eq {RunSnapshotCodec.HeaderRowKey}");
        if (dagId is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"DagId eq {dagId}");
        }

        if (state is { } s)
        {
            filter += " and " + TableClient.CreateQueryFilter($"State eq {s.ToAirflowName()}");
        }

        // No $select: the conf lives in the header's compressed data properties, whose number varies.
        await foreach (var e in runs.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return RunSnapshotCodec.ReadRun(e);
        }
    }

    private static string Version(ETag etag, int chunks, long sequence) =>
        $"{chunks.ToString(CultureInfo.InvariantCulture)};{sequence.ToString(CultureInfo.InvariantCulture)};{etag}";

    private static (ETag ETag, int Chunks, long Sequence) ParseVersion(string version)
    {
        var parts = version.Split(';', 3);
        return (new ETag(parts[2]), int.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
