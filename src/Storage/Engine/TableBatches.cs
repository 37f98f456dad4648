using Azure;
using Azure.Data.Tables;
using Gale.Storage.Tables;

namespace Gale.Storage.Engine;

/// <summary>Splits writes into entity group transactions: one partition each, at most 100 operations and well under the 4 MiB body limit.</summary>
internal static class TableBatches
{
    private const int MaxOperations = 100;
    private const long MaxBytes = 2 * 1024 * 1024;

    /// <summary>Chunks of <paramref name="items"/> (each <paramref name="operationsPerItem"/> operations on its entity's partition).</summary>
    public static IEnumerable<List<(T Item, TableEntity Entity)>> Chunk<T>(IEnumerable<(T Item, TableEntity Entity)> items, int operationsPerItem = 1)
    {
        foreach (var partition in items.GroupBy(i => i.Entity.PartitionKey, StringComparer.Ordinal))
        {
            var chunk = new List<(T, TableEntity)>();
            long bytes = 0;
            foreach (var item in partition)
            {
                var size = Size(item.Entity) * operationsPerItem;
                if (chunk.Count > 0 && ((chunk.Count + 1) * operationsPerItem > MaxOperations || bytes + size > MaxBytes))
                {
                    yield return chunk;
                    chunk = [];
                    bytes = 0;
                }

                chunk.Add(item);
                bytes += size;
            }

            if (chunk.Count > 0)
            {
                yield return chunk;
            }
        }
    }

    /// <summary>
    /// Adds <paramref name="chunk"/> (one partition) in one transaction of <paramref name="actions"/> per item, skipping
    /// items whose key row (by default the item's entity) already exists: after a conflict, one range query finds those
    /// and the rest is retried, so a racing writer costs a query, not a request per item.
    /// </summary>
    /// <returns>The items that were added.</returns>
    public static async Task<List<T>> AddNewAsync<T>(TableClient table, List<(T Item, TableEntity Entity)> chunk, Func<T, TableEntity, IEnumerable<TableTransactionAction>> actions, CancellationToken cancellationToken, Func<TableEntity, string>? keyRow = null)
    {
        keyRow ??= e => e.RowKey;
        var left = chunk;
        for (var attempt = 0; left.Count > 0; attempt++)
        {
            try
            {
                await table.SubmitAsync([.. left.SelectMany(c => actions(c.Item, c.Entity))], cancellationToken);
                return [.. left.Select(c => c.Item)];
            }
            catch (RequestFailedException e) when (e.IsConflict() && attempt < 5)
            {
                var partition = left[0].Entity.PartitionKey;
                var keys = left.Select(c => keyRow(c.Entity)).Order(StringComparer.Ordinal).ToList();
                var existing = new HashSet<string>(StringComparer.Ordinal);
                await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {keys[0]} and RowKey le {keys[^1]}"), select: ["RowKey"], cancellationToken: cancellationToken))
                {
                    existing.Add(row.RowKey);
                }

                left = [.. left.Where(c => !existing.Contains(keyRow(c.Entity)))];
            }
        }

        return [];
    }

    // A generous estimate of the JSON a transaction carries for the entity (binary is base64, text may be escaped).
    private static long Size(TableEntity entity) =>
        512 + (entity.PartitionKey.Length + entity.RowKey.Length) * 2 + entity.Sum(p => p.Key.Length + 64 + p.Value switch
        {
            byte[] b => b.Length * 4L / 3,
            string s => s.Length * 2L,
            _ => 32,
        });
}
