using System.Text;
using Azure;
using Azure.Data.Tables;
using Gale.Storage.Tables;
using Gale.Triggers;

namespace Gale.Storage.Engine;

/// <summary>Trigger state in the <c>triggerstate</c> table: PartitionKey <c>namespace|name</c>, RowKey the key, updated with If-Match.</summary>
public sealed class TableTriggerStateStore(TableClient table) : ITriggerStateStore
{
    /// <inheritdoc />
    public async Task<TriggerStateEntry?> GetAsync(string ns, string name, string key, CancellationToken cancellationToken = default)
    {
        var entity = await table.FindAsync(Partition(ns, name), KeyEncoding.Encode(key), cancellationToken: cancellationToken);
        return entity is null ? null : new TriggerStateEntry(Encoding.UTF8.GetString(EntityBlob.Read(entity)), entity.ETag.ToString());
    }

    /// <inheritdoc />
    public async Task<string?> TrySetAsync(string ns, string name, string key, string value, string? version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        var entity = new TableEntity(Partition(ns, name), KeyEncoding.Encode(key)) { ["Namespace"] = ns, ["Name"] = name, ["Key"] = key };
        EntityBlob.Write(entity, Encoding.UTF8.GetBytes(value));
        try
        {
            var etag = version is null
                ? await table.InsertAsync(entity, cancellationToken)
                : await table.UpdateAsync(entity, new ETag(version), TableUpdateMode.Replace, cancellationToken);
            return etag.ToString();
        }
        catch (RequestFailedException e) when (e.IsConflict() || e.IsNotFound())
        {
            return null;
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string ns, string name, string key, CancellationToken cancellationToken = default) =>
        table.DeleteIfExistsAsync(Partition(ns, name), KeyEncoding.Encode(key), cancellationToken: cancellationToken);

    private static string Partition(string ns, string name) => KeyEncoding.Encode(ns) + "|" + KeyEncoding.Encode(name);
}
