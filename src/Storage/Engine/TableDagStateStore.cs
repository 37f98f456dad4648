using Azure;
using Azure.Data.Tables;
using Gale.Scheduling;
using Gale.Storage.Tables;
using Gale.Timetables;

namespace Gale.Storage.Engine;

/// <summary>DAG scheduler states in the <c>dags</c> table (PartitionKey <c>dag</c>, RowKey: the encoded dag_id), updated with If-Match.</summary>
public sealed class TableDagStateStore(TableClient table) : IDagStateStore
{
    private const string Partition = "dag";

    /// <inheritdoc />
    public async Task<DagState?> GetAsync(string dagId, CancellationToken cancellationToken = default)
    {
        var entity = await table.FindAsync(Partition, KeyEncoding.Encode(dagId), cancellationToken: cancellationToken);
        return entity is null ? null : Read(entity);
    }

    /// <inheritdoc />
    public async Task<DagState> GetOrCreateAsync(DagState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (await GetAsync(state.DagId, cancellationToken) is { } existing)
        {
            return existing;
        }

        try
        {
            var etag = await table.InsertAsync(Write(state), cancellationToken);
            return state with { Version = etag.ToString() };
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            return (await GetAsync(state.DagId, cancellationToken))!; // created by someone else just now
        }
    }

    /// <inheritdoc />
    public async Task<DagState?> TryReplaceAsync(DagState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Version is null)
        {
            throw new ArgumentException("Only a state read from the store can be replaced.", nameof(state));
        }

        try
        {
            var etag = await table.UpdateAsync(Write(state), new ETag(state.Version), TableUpdateMode.Replace, cancellationToken);
            return state with { Version = etag.ToString() };
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            return null;
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DagState>> ListAsync(CancellationToken cancellationToken = default)
    {
        var states = new List<DagState>();
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken))
        {
            states.Add(Read(entity));
        }

        return [.. states.OrderBy(s => s.DagId, StringComparer.Ordinal)];
    }

    private static TableEntity Write(DagState s) => new(Partition, KeyEncoding.Encode(s.DagId))
    {
        ["DagId"] = s.DagId,
        ["IsPaused"] = s.IsPaused,
        ["LastStart"] = s.LastAutomatedDataInterval?.Start,
        ["LastEnd"] = s.LastAutomatedDataInterval?.End,
        ["NextStart"] = s.NextRun?.DataInterval.Start,
        ["NextEnd"] = s.NextRun?.DataInterval.End,
        ["NextRunAfter"] = s.NextRun?.RunAfter,
        ["LeaseOwner"] = s.LeaseOwner,
        ["LeaseUntil"] = s.LeaseUntil,
    };

    private static DagState Read(TableEntity e) => new()
    {
        DagId = e.GetString("DagId")!,
        IsPaused = e.GetBoolean("IsPaused") ?? false,
        LastAutomatedDataInterval = e.GetDateTimeOffset("LastStart") is { } ls && e.GetDateTimeOffset("LastEnd") is { } le ? new DataInterval(ls, le) : null,
        NextRun = e.GetDateTimeOffset("NextStart") is { } ns && e.GetDateTimeOffset("NextEnd") is { } ne && e.GetDateTimeOffset("NextRunAfter") is { } ra ? new DagRunInfo(new DataInterval(ns, ne), ra) : null,
        LeaseOwner = e.GetString("LeaseOwner"),
        LeaseUntil = e.GetDateTimeOffset("LeaseUntil"),
        Version = e.ETag.ToString(),
    };
}
