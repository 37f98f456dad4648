using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Gale.Storage.Tables;
using Gale.Templates;

namespace Gale.Storage.Engine;

/// <summary>Rendered template fields in the <c>rendered</c> table (PartitionKey: the run, RowKey: task|map index), as JSON compressed into the entity.</summary>
public sealed class TableRenderedFieldStore(TableClient table) : IRenderedFieldStore
{
    /// <inheritdoc />
    public async Task SetAsync(string dagId, string runId, string taskId, int mapIndex, RenderedFields fields, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var entity = new TableEntity(KeyEncoding.RunPartition(dagId, runId), RowKey(taskId, mapIndex))
        {
            ["TaskId"] = taskId,
            ["MapIndex"] = mapIndex,
            ["TryNumber"] = fields.TryNumber,
        };
        EntityBlob.Write(entity, JsonSerializer.SerializeToUtf8Bytes(fields.Fields));
        await table.UpsertAsync(entity, TableUpdateMode.Replace, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<RenderedFields?> GetAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default)
    {
        var entity = await table.FindAsync(KeyEncoding.RunPartition(dagId, runId), RowKey(taskId, mapIndex), cancellationToken: cancellationToken);
        if (entity is null)
        {
            return null;
        }

        var fields = JsonSerializer.Deserialize<Dictionary<string, string>>(Encoding.UTF8.GetString(EntityBlob.Read(entity))) ?? [];
        return new RenderedFields(entity.GetInt32("TryNumber") ?? 0, fields);
    }

    private static string RowKey(string taskId, int mapIndex) =>
        $"{KeyEncoding.Encode(taskId)}|{mapIndex.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
