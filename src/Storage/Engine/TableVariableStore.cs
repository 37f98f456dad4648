using System.Text;
using Azure.Data.Tables;
using Gale.Secrets;
using Gale.Storage.Tables;

namespace Gale.Storage.Engine;

/// <summary>Variables in the <c>variables</c> table (PartitionKey <c>variable</c>, RowKey: the encoded key); values up to ~900 KiB compressed.</summary>
public sealed class TableVariableStore(TableClient table) : IVariableStore
{
    private const string Partition = "variable";

    /// <inheritdoc />
    public async Task<Variable?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var entity = await table.FindAsync(Partition, KeyEncoding.Encode(key), cancellationToken: cancellationToken);
        return entity is null ? null : Read(entity);
    }

    /// <inheritdoc />
    public async Task SetAsync(Variable variable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(variable);
        ArgumentException.ThrowIfNullOrEmpty(variable.Key);
        var entity = new TableEntity(Partition, KeyEncoding.Encode(variable.Key))
        {
            ["Key"] = variable.Key,
            ["Description"] = variable.Description,
        };
        EntityBlob.Write(entity, Encoding.UTF8.GetBytes(variable.Value));
        await table.UpsertAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        table.DeleteIfExistsAsync(Partition, KeyEncoding.Encode(key), cancellationToken: cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<Variable>> ListAsync(CancellationToken cancellationToken = default)
    {
        var variables = new List<Variable>();
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken))
        {
            variables.Add(Read(entity));
        }

        return [.. variables.OrderBy(v => v.Key, StringComparer.Ordinal)];
    }

    private static Variable Read(TableEntity entity) =>
        new(entity.GetString("Key")!, Encoding.UTF8.GetString(EntityBlob.Read(entity)), entity.GetString("Description"));
}
