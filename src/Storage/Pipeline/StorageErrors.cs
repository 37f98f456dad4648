using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Azure.Core;

namespace Gale.Storage.Pipeline;

/// <summary>Reads a storage error response (JSON for tables, XML for blobs and queues) into an exception.</summary>
internal static class StorageErrors
{
    public static async ValueTask<StorageException> CreateAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        var response = message.Response;
        string body = string.Empty;
        if (response.ContentStream is { } stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            body = await reader.ReadToEndAsync(cancellationToken);
        }

        response.Headers.TryGetValue("x-ms-error-code", out var code);
        response.Headers.TryGetValue("x-ms-request-id", out var requestId);
        var (bodyCode, bodyMessage) = ParseBody(body);
        code ??= bodyCode;
        var target = $"{message.Request.Method} {message.Request.Uri.ToUri().AbsolutePath}";
        return Create(response.Status, code, requestId, bodyMessage ?? response.ReasonPhrase, target);
    }

    public static StorageException Create(int status, string? code, string? requestId, string? detail, string target, int? failedActionIndex = null)
    {
        var text = $"{target} failed with {status}{(code is null ? string.Empty : " " + code)}: {detail?.Trim()}" +
                   (requestId is null ? string.Empty : $" (request id {requestId})");
        var isConflict = status == 412 || (status == 409 && code is not null && code.EndsWith("AlreadyExists", StringComparison.Ordinal));
        return isConflict
            ? new ConcurrencyConflictException(status, code, requestId, text) { FailedActionIndex = failedActionIndex }
            : new StorageException(status, code, requestId, text) { FailedActionIndex = failedActionIndex };
    }

    public static (string? Code, string? Message) ParseBody(string body)
    {
        body = body.Trim();
        if (body.Length == 0)
        {
            return (null, null);
        }

        try
        {
            if (body[0] == '{')
            {
                using var json = JsonDocument.Parse(body);
                var root = json.RootElement;
                if (root.TryGetProperty("odata.error", out var error) || root.TryGetProperty("error", out error))
                {
                    var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
                    string? text = null;
                    if (error.TryGetProperty("message", out var m))
                    {
                        text = m.ValueKind == JsonValueKind.Object && m.TryGetProperty("value", out var v) ? v.GetString() : m.ToString();
                    }

                    return (code, text);
                }
            }
            else if (body[0] == '<')
            {
                var xml = XDocument.Parse(body);
                return (xml.Root?.Element("Code")?.Value, xml.Root?.Element("Message")?.Value?.Split('\n')[0]);
            }
        }
        catch (Exception e) when (e is JsonException or System.Xml.XmlException)
        {
            // Not a structured error: fall through and show the raw text.
        }

        return (null, body.Length > 300 ? body[..300] : body);
    }
}
