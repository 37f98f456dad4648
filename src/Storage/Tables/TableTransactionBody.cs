using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Azure;
using Gale.Storage.Pipeline;

namespace Gale.Storage.Tables;

/// <summary>Writes the multipart <c>$batch</c> body of an entity group transaction and reads its multipart response.</summary>
internal static partial class TableTransactionBody
{
    private const int MaxBodyBytes = 4 * 1024 * 1024;

    public static (string Boundary, byte[] Body) Create(string table, Uri endpoint, IReadOnlyList<TableTransactionAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        if (actions.Count is 0 or > TableLimits.MaxTransactionActions)
        {
            throw new ArgumentException($"Table '{table}': a transaction holds 1 to {TableLimits.MaxTransactionActions} actions, got {actions.Count}.", nameof(actions));
        }

        var partition = actions[0].Entity.PartitionKey;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < actions.Count; i++)
        {
            var entity = actions[i].Entity;
            if (entity.PartitionKey != partition)
            {
                throw new ArgumentException($"Table '{table}': transaction action {i} is in partition '{entity.PartitionKey}', but a transaction spans one partition ('{partition}').", nameof(actions));
            }

            if (!seen.Add(entity.RowKey))
            {
                throw new ArgumentException($"Table '{table}': transaction action {i} touches RowKey '{entity.RowKey}' a second time; a transaction may touch each entity once.", nameof(actions));
            }

            if (actions[i].ActionType == TableTransactionActionType.Delete)
            {
                TableLimits.ValidateKey(entity.PartitionKey, "PartitionKey", table);
                TableLimits.ValidateKey(entity.RowKey, "RowKey", table);
            }
            else
            {
                TableLimits.ValidateEntity(entity, table);
            }
        }

        var batch = "batch_" + Guid.NewGuid().ToString("N");
        var changeset = "changeset_" + Guid.NewGuid().ToString("N");
        var baseUri = endpoint.AbsoluteUri.TrimEnd('/');
        var sb = new StringBuilder();
        sb.Append("--").Append(batch).Append("\r\n");
        sb.Append("Content-Type: multipart/mixed; boundary=").Append(changeset).Append("\r\n\r\n");
        foreach (var action in actions)
        {
            AppendAction(sb, changeset, baseUri, table, action);
        }

        sb.Append("--").Append(changeset).Append("--\r\n");
        sb.Append("--").Append(batch).Append("--\r\n");
        var body = Encoding.UTF8.GetBytes(sb.ToString());
        if (body.Length > MaxBodyBytes)
        {
            throw new ArgumentException($"Table '{table}': the transaction is {body.Length:N0} bytes; the service accepts at most {MaxBodyBytes:N0} (4 MiB).", nameof(actions));
        }

        return (batch, body);
    }

    private static void AppendAction(StringBuilder sb, string changeset, string baseUri, string table, TableTransactionAction action)
    {
        var entity = action.Entity;
        var (method, path, hasBody, conditional) = action.ActionType switch
        {
            TableTransactionActionType.Add => ("POST", table, true, false),
            TableTransactionActionType.UpdateMerge => ("MERGE", TableClient.EntityPath(table, entity.PartitionKey, entity.RowKey), true, true),
            TableTransactionActionType.UpdateReplace => ("PUT", TableClient.EntityPath(table, entity.PartitionKey, entity.RowKey), true, true),
            TableTransactionActionType.Delete => ("DELETE", TableClient.EntityPath(table, entity.PartitionKey, entity.RowKey), false, true),
            TableTransactionActionType.UpsertMerge => ("MERGE", TableClient.EntityPath(table, entity.PartitionKey, entity.RowKey), true, false),
            TableTransactionActionType.UpsertReplace => ("PUT", TableClient.EntityPath(table, entity.PartitionKey, entity.RowKey), true, false),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action.ActionType, "Unknown transaction action."),
        };

        sb.Append("--").Append(changeset).Append("\r\n");
        sb.Append("Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n");
        sb.Append(method).Append(' ').Append(baseUri).Append('/').Append(path).Append(" HTTP/1.1\r\n");
        sb.Append("Accept: application/json;odata=minimalmetadata\r\n");
        sb.Append("Prefer: return-no-content\r\n");
        sb.Append("DataServiceVersion: 3.0\r\n");
        if (conditional)
        {
            var etag = action.ETag != default ? action.ETag : entity.ETag != default ? entity.ETag : ETag.All;
            sb.Append("If-Match: ").Append(etag.ToString()).Append("\r\n");
        }

        if (hasBody)
        {
            sb.Append("Content-Type: application/json\r\n\r\n");
            sb.Append(Encoding.UTF8.GetString(TableEntityJson.Serialize(entity))).Append("\r\n");
        }
        else
        {
            sb.Append("\r\n");
        }
    }

    /// <summary>Reads each inner response; throws for the first failed one.</summary>
    public static IReadOnlyList<ETag> ReadResponse(Azure.Response response, int actionCount, string target)
    {
        var text = response.Content.ToString();
        response.Headers.TryGetValue("x-ms-request-id", out var requestId);
        var etags = new List<ETag>(actionCount);
        foreach (var (status, headers, body) in InnerResponses(text))
        {
            if (status >= 400)
            {
                var (code, detail) = StorageErrors.ParseBody(body);
                int? index = null;
                if (detail is not null && ActionIndex().Match(detail) is { Success: true } m)
                {
                    index = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                    detail = detail[m.Length..];
                }

                throw StorageErrors.Create(status, code, requestId, detail, index is null ? target : $"{target} action {index}", index);
            }

            headers.TryGetValue("ETag", out var etag);
            etags.Add(etag is null ? default : new ETag(etag));
        }

        if (etags.Count != actionCount)
        {
            throw new StorageException(response.Status, null, requestId, $"{target}: the service answered {etags.Count} of {actionCount} actions.");
        }

        return etags;
    }

    private static IEnumerable<(int Status, Dictionary<string, string> Headers, string Body)> InnerResponses(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("HTTP/1.1 ", StringComparison.Ordinal))
            {
                continue;
            }

            var status = int.Parse(lines[i].AsSpan(9, 3), CultureInfo.InvariantCulture);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (i++; i < lines.Length && lines[i].Length > 0; i++)
            {
                var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    headers[lines[i][..colon].Trim()] = lines[i][(colon + 1)..].Trim();
                }
            }

            var body = new StringBuilder();
            for (i++; i < lines.Length && !lines[i].StartsWith("--", StringComparison.Ordinal); i++)
            {
                body.Append(lines[i]).Append('\n');
            }

            i--;
            yield return (status, headers, body.ToString());
        }
    }

    [GeneratedRegex(@"^(\d+):")]
    private static partial Regex ActionIndex();
}
