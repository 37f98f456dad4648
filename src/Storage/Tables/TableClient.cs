using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Gale.Storage.Pipeline;

namespace Gale.Storage.Tables;

/// <summary>
/// A client for one table, shaped like Azure.Data.Tables' <c>TableClient</c>: entity CRUD with ETag concurrency,
/// OData queries with continuation, and entity group transactions.
/// </summary>
public sealed partial class TableClient
{
    private const string JsonAccept = "application/json;odata=minimalmetadata";
    private static readonly RequestMethod Merge = new("MERGE");
    private readonly StoragePipeline _pipeline;

    internal TableClient(StoragePipeline pipeline, string tableName)
    {
        if (!TableNamePattern().IsMatch(tableName))
        {
            throw new ArgumentException($"Table name '{tableName}' is invalid: it must be 3 to 63 letters or digits and start with a letter.", nameof(tableName));
        }

        _pipeline = pipeline;
        Name = tableName;
    }

    /// <summary>The table's name.</summary>
    public string Name { get; }

    /// <summary>Creates the table if it does not exist.</summary>
    /// <returns>True when this call created it.</returns>
    public async Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Post, "Tables");
        SetJsonHeaders(message.Request);
        message.Request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["TableName"] = Name }));
        try
        {
            await _pipeline.SendAsync(message, cancellationToken);
            return true;
        }
        catch (ConcurrencyConflictException e) when (e.ErrorCode == "TableAlreadyExists")
        {
            return false;
        }
    }

    /// <summary>Deletes the table and every entity in it.</summary>
    /// <returns>False when it did not exist.</returns>
    public async Task<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Delete);
        message.Request.Uri.AppendPath($"/Tables('{Name}')", escape: false);
        message.Request.Headers.SetValue("Accept", JsonAccept);
        return await _pipeline.SendUnlessNotFoundAsync(message, cancellationToken);
    }

    /// <summary>Inserts a new entity.</summary>
    /// <returns>The new ETag (also stored on <paramref name="entity"/>).</returns>
    /// <exception cref="ConcurrencyConflictException">The entity already exists (<see cref="ConcurrencyConflictException.AlreadyExists"/>).</exception>
    public async Task<ETag> AddEntityAsync(TableEntity entity, CancellationToken cancellationToken = default)
    {
        TableLimits.ValidateEntity(entity, Name);
        using var message = _pipeline.CreateMessage(RequestMethod.Post, Name);
        SetJsonHeaders(message.Request);
        message.Request.Content = RequestContent.Create(TableEntityJson.Serialize(entity));
        var response = await _pipeline.SendAsync(message, cancellationToken);
        return entity.ETag = response.Headers.ETag ?? default;
    }

    /// <summary>Inserts the entity, or merges/replaces it when it exists, without a concurrency check.</summary>
    public Task<ETag> UpsertEntityAsync(TableEntity entity, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default) =>
        WriteEntityAsync(entity, mode, ifMatch: null, cancellationToken);

    /// <summary>Merges into or replaces an existing entity if its ETag still matches <paramref name="ifMatch"/> (<see cref="ETag.All"/> for any).</summary>
    /// <exception cref="ConcurrencyConflictException">The stored ETag differs (HTTP 412).</exception>
    /// <exception cref="StorageException">The entity does not exist (404).</exception>
    public Task<ETag> UpdateEntityAsync(TableEntity entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Merge, CancellationToken cancellationToken = default)
    {
        if (ifMatch == default)
        {
            throw new ArgumentException("UpdateEntityAsync needs an ETag; pass ETag.All to update unconditionally.", nameof(ifMatch));
        }

        return WriteEntityAsync(entity, mode, ifMatch, cancellationToken);
    }

    /// <summary>Deletes an entity if its ETag matches <paramref name="ifMatch"/> (default: any).</summary>
    /// <returns>False when the entity did not exist.</returns>
    /// <exception cref="ConcurrencyConflictException">The stored ETag differs (HTTP 412).</exception>
    public async Task<bool> DeleteEntityAsync(string partitionKey, string rowKey, ETag ifMatch = default, CancellationToken cancellationToken = default)
    {
        using var message = CreateEntityMessage(RequestMethod.Delete, partitionKey, rowKey);
        message.Request.Headers.SetValue("Accept", JsonAccept);
        message.Request.Headers.SetValue("If-Match", ifMatch == default ? "*" : ifMatch.ToString());
        return await _pipeline.SendUnlessNotFoundAsync(message, cancellationToken);
    }

    /// <summary>Reads one entity.</summary>
    /// <exception cref="StorageException">It does not exist (404).</exception>
    public async Task<TableEntity> GetEntityAsync(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        using var message = CreateEntityMessage(RequestMethod.Get, partitionKey, rowKey);
        message.Request.Headers.SetValue("Accept", JsonAccept);
        if (select is not null)
        {
            message.Request.Uri.AppendQuery("$select", string.Join(',', select));
        }

        var response = await _pipeline.SendAsync(message, cancellationToken);
        using var json = await JsonDocument.ParseAsync(response.ContentStream!, cancellationToken: cancellationToken);
        return TableEntityJson.Deserialize(json.RootElement, response.Headers.ETag);
    }

    /// <summary>Reads one entity, or returns null when it does not exist.</summary>
    public async Task<TableEntity?> GetEntityIfExistsAsync(string partitionKey, string rowKey, IEnumerable<string>? select = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetEntityAsync(partitionKey, rowKey, select, cancellationToken);
        }
        catch (StorageException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads one page of a query. <paramref name="top"/> caps the page (the service returns at most 1,000);
    /// pass the returned continuation token to read the next page.
    /// </summary>
    public async Task<TablePage> QueryPageAsync(string? filter = null, IEnumerable<string>? select = null, int? top = null, string? continuationToken = null, CancellationToken cancellationToken = default)
    {
        if (top is <= 0 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(top), top, "A table query page holds 1 to 1,000 entities.");
        }

        using var message = _pipeline.CreateMessage(RequestMethod.Get);
        message.Request.Uri.AppendPath($"/{Name}()", escape: false);
        message.Request.Headers.SetValue("Accept", JsonAccept);
        if (!string.IsNullOrEmpty(filter)) message.Request.Uri.AppendQuery("$filter", filter);
        if (select is not null) message.Request.Uri.AppendQuery("$select", string.Join(',', select));
        if (top is not null) message.Request.Uri.AppendQuery("$top", top.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (continuationToken is not null)
        {
            var parts = continuationToken.Split(' ');
            message.Request.Uri.AppendQuery("NextPartitionKey", parts[0]);
            if (parts.Length > 1 && parts[1].Length > 0) message.Request.Uri.AppendQuery("NextRowKey", parts[1]);
        }

        var response = await _pipeline.SendAsync(message, cancellationToken);
        using var json = await JsonDocument.ParseAsync(response.ContentStream!, cancellationToken: cancellationToken);
        var items = json.RootElement.GetProperty("value").EnumerateArray().Select(e => TableEntityJson.Deserialize(e)).ToList();
        response.Headers.TryGetValue("x-ms-continuation-NextPartitionKey", out var nextPk);
        response.Headers.TryGetValue("x-ms-continuation-NextRowKey", out var nextRk);
        return new TablePage(items, nextPk is null ? null : $"{nextPk} {nextRk}");
    }

    /// <summary>Streams every entity matching the query, following continuation tokens.</summary>
    public async IAsyncEnumerable<TableEntity> QueryAsync(string? filter = null, IEnumerable<string>? select = null, int? maxPerPage = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var selected = select?.ToList();
        string? token = null;
        do
        {
            var page = await QueryPageAsync(filter, selected, maxPerPage, token, cancellationToken);
            foreach (var entity in page.Items)
            {
                yield return entity;
            }

            token = page.ContinuationToken;
        }
        while (token is not null);
    }

    /// <summary>
    /// Applies up to 100 operations on one partition atomically: all succeed or none does.
    /// </summary>
    /// <returns>The new ETag of each action's entity, in order (default for deletes).</returns>
    /// <exception cref="StorageException">The service rejected the transaction; <see cref="StorageException.FailedActionIndex"/> names the action. A 412 or an existing entity surfaces as <see cref="ConcurrencyConflictException"/>.</exception>
    public async Task<IReadOnlyList<ETag>> SubmitTransactionAsync(IReadOnlyList<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        var batch = TableTransactionBody.Create(Name, _pipeline.Endpoint, actions);
        using var message = _pipeline.CreateMessage(RequestMethod.Post, "$batch");
        message.Request.Headers.SetValue("Accept", JsonAccept);
        message.Request.Headers.SetValue("Content-Type", $"multipart/mixed; boundary={batch.Boundary}");
        message.Request.Content = RequestContent.Create(batch.Body);
        var response = await _pipeline.SendAsync(message, cancellationToken);
        return TableTransactionBody.ReadResponse(response, actions.Count, $"POST {Name} $batch");
    }

    private async Task<ETag> WriteEntityAsync(TableEntity entity, TableUpdateMode mode, ETag? ifMatch, CancellationToken cancellationToken)
    {
        TableLimits.ValidateEntity(entity, Name);
        var method = mode == TableUpdateMode.Merge ? Merge : RequestMethod.Put;
        using var message = CreateEntityMessage(method, entity.PartitionKey, entity.RowKey);
        SetJsonHeaders(message.Request);
        if (ifMatch is { } etag)
        {
            message.Request.Headers.SetValue("If-Match", etag.ToString());
        }

        message.Request.Content = RequestContent.Create(TableEntityJson.Serialize(entity));
        var response = await _pipeline.SendAsync(message, cancellationToken);
        return entity.ETag = response.Headers.ETag ?? default;
    }

    private HttpMessage CreateEntityMessage(RequestMethod method, string partitionKey, string rowKey)
    {
        TableLimits.ValidateKey(partitionKey, "PartitionKey", Name);
        TableLimits.ValidateKey(rowKey, "RowKey", Name);
        var message = _pipeline.CreateMessage(method);
        message.Request.Uri.AppendPath("/" + EntityPath(Name, partitionKey, rowKey), escape: false);
        return message;
    }

    internal static string EntityPath(string table, string partitionKey, string rowKey) =>
        $"{table}(PartitionKey='{EscapeKey(partitionKey)}',RowKey='{EscapeKey(rowKey)}')";

    private static string EscapeKey(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));

    private static void SetJsonHeaders(Request request)
    {
        request.Headers.SetValue("Accept", JsonAccept);
        request.Headers.SetValue("Content-Type", "application/json");
        request.Headers.SetValue("Prefer", "return-no-content");
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableNamePattern();
}
