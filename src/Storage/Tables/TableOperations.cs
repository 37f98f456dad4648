using Azure;
using Azure.Data.Tables;

namespace Gale.Storage.Tables;

/// <summary>
/// Gale's way of writing and reading entities with the Azure SDK's <see cref="TableClient"/>: every write is checked
/// against <see cref="TableLimits"/> first (so an oversized value fails naming the table, entity and property instead
/// of a bare 400), null properties are not sent (a null is "not stored"), and the new ETag is returned and kept on the
/// entity. Failures are the SDK's <see cref="RequestFailedException"/>; <see cref="StorageErrors"/> reads them.
/// </summary>
public static class TableOperations
{
    /// <summary>Inserts a new entity.</summary>
    /// <returns>The new ETag (also set on <paramref name="entity"/>).</returns>
    /// <exception cref="RequestFailedException">409 EntityAlreadyExists when it exists (<see cref="StorageErrors.IsConflict"/>).</exception>
    public static async Task<ETag> InsertAsync(this TableClient table, TableEntity entity, CancellationToken cancellationToken = default)
    {
        Prepare(table, entity);
        var response = await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
        return entity.ETag = response.Headers.ETag ?? default;
    }

    /// <summary>Inserts the entity, or merges into/replaces it when it exists, without a concurrency check.</summary>
    /// <returns>The new ETag.</returns>
    public static async Task<ETag> UpsertAsync(this TableClient table, TableEntity entity, TableUpdateMode mode, CancellationToken cancellationToken = default)
    {
        Prepare(table, entity);
        var response = await table.UpsertEntityAsync(entity, mode, cancellationToken).ConfigureAwait(false);
        return entity.ETag = response.Headers.ETag ?? default;
    }

    /// <summary>Merges into or replaces an existing entity if its ETag still matches <paramref name="ifMatch"/> (<see cref="ETag.All"/> for any).</summary>
    /// <returns>The new ETag.</returns>
    /// <exception cref="RequestFailedException">412 when the stored ETag differs; 404 when the entity is gone.</exception>
    public static async Task<ETag> UpdateAsync(this TableClient table, TableEntity entity, ETag ifMatch, TableUpdateMode mode, CancellationToken cancellationToken = default)
    {
        if (ifMatch == default)
        {
            throw new ArgumentException("An update needs an ETag; pass ETag.All to update unconditionally.", nameof(ifMatch));
        }

        Prepare(table, entity);
        var response = await table.UpdateEntityAsync(entity, ifMatch, mode, cancellationToken).ConfigureAwait(false);
        return entity.ETag = response.Headers.ETag ?? default;
    }

    /// <summary>Reads one entity, or null when it does not exist.</summary>
    public static async Task<TableEntity?> FindAsync(this TableClient table, string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        TableLimits.ValidateKey(partitionKey, "PartitionKey", table.Name);
        TableLimits.ValidateKey(rowKey, "RowKey", table.Name);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, select, cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Deletes an entity if its ETag matches <paramref name="ifMatch"/> (default: any).</summary>
    /// <returns>False when the entity did not exist.</returns>
    /// <exception cref="RequestFailedException">412 when the stored ETag differs.</exception>
    public static async Task<bool> DeleteIfExistsAsync(this TableClient table, string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        try
        {
            var response = await table.DeleteEntityAsync(partitionKey, rowKey, ifMatch == default ? ETag.All : ifMatch, cancellationToken).ConfigureAwait(false);
            return response.Status != 404;
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            return false;
        }
    }

    /// <summary>Applies up to 100 operations on one partition atomically: all succeed or none does.</summary>
    /// <returns>The new ETag of each action's entity, in order (default for deletes).</returns>
    /// <exception cref="TableTransactionFailedException">The service refused one action (<see cref="TableTransactionFailedException.FailedTransactionActionIndex"/>); nothing was applied.</exception>
    public static async Task<IReadOnlyList<ETag>> SubmitAsync(this TableClient table, IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(actions);
        CheckTransaction(table.Name, actions);
        foreach (var action in actions)
        {
            if (action.ActionType != TableTransactionActionType.Delete && action.Entity is TableEntity entity)
            {
                Prepare(table, entity);
            }
        }

        var response = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        return [.. response.Value.Select(r => r.Headers.ETag ?? default)];
    }

    // The service refuses these with a bare 400 for the whole batch; say which action and why instead.
    private static void CheckTransaction(string table, IReadOnlyList<TableTransactionAction> actions)
    {
        if (actions.Count is 0 or > TableLimits.MaxTransactionActions)
        {
            throw new ArgumentException($"Table '{table}': a transaction holds 1 to {TableLimits.MaxTransactionActions} actions, got {actions.Count}.", nameof(actions));
        }

        var partition = actions[0].Entity.PartitionKey;
        var rows = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < actions.Count; i++)
        {
            var entity = actions[i].Entity;
            if (!string.Equals(entity.PartitionKey, partition, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Table '{table}': transaction action {i} is in partition '{entity.PartitionKey}', but a transaction spans one partition ('{partition}').", nameof(actions));
            }

            if (!rows.Add(entity.RowKey))
            {
                throw new ArgumentException($"Table '{table}': transaction action {i} touches RowKey '{entity.RowKey}' a second time; a transaction may touch each entity once.", nameof(actions));
            }
        }
    }

    private static void Prepare(TableClient table, TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(entity);
        foreach (var name in entity.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            entity.Remove(name);
        }

        TableLimits.ValidateEntity(entity, table.Name);
    }
}
