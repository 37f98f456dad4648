using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gale.Execution;
using Microsoft.Extensions.Logging;

namespace Gale.Operators;

/// <summary>What an <see cref="HttpOperator"/> received: status code, body text and headers.</summary>
/// <param name="StatusCode">The HTTP status code.</param>
/// <param name="Body">The body as text.</param>
/// <param name="ContentType">The media type, if any.</param>
public sealed record HttpResult(int StatusCode, string Body, string? ContentType);

/// <summary>
/// Calls an HTTP endpoint (Airflow's HttpOperator). The URL is <see cref="Url"/>, or <see cref="Endpoint"/> under the
/// base URL of the connection <see cref="HttpConnId"/> (whose login and password become basic auth and whose extra
/// entries become headers). The call fails on a status outside <see cref="ExpectedStatusCodes"/> (default: below 400)
/// or when <see cref="ResponseCheck"/> returns false; a failed call is retried as the task's retries say. The
/// response body (filtered by <see cref="ResponseFilter"/>) becomes the <c>return_value</c> XCom.
/// </summary>
public sealed partial class HttpOperator : ITemplatedOperator
{
    private const string HeaderPrefix = "headers.";

    /// <summary>HTTP method (default POST, as Airflow's).</summary>
    public string Method { get; init; } = "POST";

    /// <summary>Absolute URL; overrides the connection.</summary>
    public string? Url { get; init; }

    /// <summary>Path (and query) under the connection's base URL.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Connection id (<c>GALE_CONN_&lt;ID&gt;</c>) giving the base URL, credentials and default headers.</summary>
    public string? HttpConnId { get; init; }

    /// <summary>Request headers.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Request body (sent as is; content type from the <c>Content-Type</c> header, default JSON when the body looks like JSON).</summary>
    public string? Data { get; init; }

    /// <summary>
    /// True when <see cref="Data"/> is a JSON document whose string values are the templates (a YAML mapping or list):
    /// each is rendered on its own and the document re-serialised, so rendered text can never break the JSON.
    /// </summary>
    public bool DataIsJson { get; init; }

    /// <summary>Accepted status codes; empty means any status below 400.</summary>
    public IReadOnlyList<int> ExpectedStatusCodes { get; init; } = [];

    /// <summary>Extra check of the response; false fails the try.</summary>
    public Func<HttpResult, bool>? ResponseCheck { get; init; }

    /// <summary>Turns the response into the XCom value (default: the body text).</summary>
    public Func<HttpResult, object?>? ResponseFilter { get; init; }

    /// <summary>Write the response body to the task log.</summary>
    public bool LogResponse { get; init; }

    /// <inheritdoc />
    public string OperatorName => "http";

    /// <summary>Template fields: <c>url</c>, <c>endpoint</c>, <c>data</c>, <c>headers.NAME</c>.</summary>
    public IReadOnlyDictionary<string, string> TemplateFields
    {
        get
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            AddIfSet(fields, "url", Url);
            AddIfSet(fields, "endpoint", Endpoint);
            if (DataIsJson && Data is not null)
            {
                foreach (var (pointer, value) in JsonLeaves.Strings(Data))
                {
                    fields["data" + pointer] = value;
                }
            }
            else
            {
                AddIfSet(fields, "data", Data);
            }

            foreach (var (name, value) in Headers)
            {
                fields[HeaderPrefix + name] = value;
            }

            return fields;
        }
    }

    /// <inheritdoc />
    public ITaskOperator WithRenderedFields(IReadOnlyDictionary<string, string> rendered)
    {
        ArgumentNullException.ThrowIfNull(rendered);
        return new HttpOperator
        {
            Method = Method,
            Url = rendered.GetValueOrDefault("url"),
            Endpoint = rendered.GetValueOrDefault("endpoint"),
            Data = DataIsJson && Data is not null
                ? JsonLeaves.Replace(Data, rendered.Where(f => f.Key.StartsWith("data/", StringComparison.Ordinal)).ToDictionary(f => f.Key["data".Length..], f => f.Value, StringComparer.Ordinal))
                : rendered.GetValueOrDefault("data"),
            DataIsJson = DataIsJson,
            Headers = Headers.ToDictionary(h => h.Key, h => rendered[HeaderPrefix + h.Key], StringComparer.OrdinalIgnoreCase),
            HttpConnId = HttpConnId,
            ExpectedStatusCodes = ExpectedStatusCodes,
            ResponseCheck = ResponseCheck,
            ResponseFilter = ResponseFilter,
            LogResponse = LogResponse,
        };
    }

    /// <inheritdoc />
    public async ValueTask<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var request = BuildRequest(context);
        LogCalling(context.Log, request.Method.Method, request.RequestUri!.ToString());
        var started = Stopwatch.GetTimestamp();
        using var response = await context.Http.SendAsync(request, context.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
        var result = new HttpResult((int)response.StatusCode, body, response.Content.Headers.ContentType?.MediaType);
        LogStatus(context.Log, result.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds, body.Length);
        if (LogResponse)
        {
            LogBody(context.Log, body);
        }

        var expected = ExpectedStatusCodes.Count == 0 ? result.StatusCode < 400 : ExpectedStatusCodes.Contains(result.StatusCode);
        if (!expected)
        {
            var shown = body.Length > 500 ? body[..500] + "…" : body;
            throw new HttpRequestException($"{request.Method} {request.RequestUri} returned {result.StatusCode} ({response.ReasonPhrase}), expected {(ExpectedStatusCodes.Count == 0 ? "a status below 400" : string.Join(" or ", ExpectedStatusCodes))}: {shown}");
        }

        if (ResponseCheck is not null && !ResponseCheck(result))
        {
            throw new InvalidOperationException($"response_check failed for {request.Method} {request.RequestUri} (status {result.StatusCode})");
        }

        return ResponseFilter is null ? body : ResponseFilter(result);
    }

    /// <summary>A response filter for YAML: <c>text</c> (the body), <c>json</c> (the parsed body) or a JSON pointer (<c>/data/items</c>).</summary>
    /// <exception cref="ArgumentException">Unknown filter.</exception>
    public static Func<HttpResult, object?> Filter(string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return filter switch
        {
            "text" => r => r.Body,
            "json" => r => ParseJson(r),
            _ when filter.StartsWith('/') => r => JsonPointer.Resolve(ParseJson(r), filter) ?? throw new InvalidOperationException($"response_filter: the response has nothing at {filter}"),
            _ => throw new ArgumentException($"'{filter}' is not a response filter: use text, json or a JSON pointer such as /data/items", nameof(filter)),
        };
    }

    private static JsonElement ParseJson(HttpResult result)
    {
        try
        {
            using var json = JsonDocument.Parse(result.Body);
            return json.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"the response body is not JSON: {e.Message}", e);
        }
    }

    private HttpRequestMessage BuildRequest(TaskContext context)
    {
        var request = HttpRequests.Create(Method, Url, HttpConnId, Endpoint, context.Connections, context.Masker);

        string? contentType = null;
        foreach (var (name, value) in Headers)
        {
            context.Masker.AddIfSensitive(name, value);
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                contentType = value;
                continue;
            }

            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (Data is not null)
        {
            var looksJson = Data.TrimStart().StartsWith('{') || Data.TrimStart().StartsWith('[');
            request.Content = new StringContent(Data, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? (looksJson ? "application/json" : "text/plain"));
        }

        return request;
    }

    private static void AddIfSet(Dictionary<string, string> fields, string name, string? value)
    {
        if (value is not null)
        {
            fields[name] = value;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Calling HTTP method {Method} {Url}")]
    private static partial void LogCalling(ILogger logger, string method, string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Response {Status} in {Milliseconds:0} ms ({Length} characters)")]
    private static partial void LogStatus(ILogger logger, int status, double milliseconds, int length);

    [LoggerMessage(Level = LogLevel.Information, Message = "Response body: {Body}")]
    private static partial void LogBody(ILogger logger, string body);
}

/// <summary>The string values of a JSON document, addressed by JSON pointer, for rendering them one by one.</summary>
public static class JsonLeaves
{
    /// <summary>Every string value with its pointer (<c>/a/0/b</c>).</summary>
    public static IEnumerable<KeyValuePair<string, string>> Strings(string json)
    {
        var found = new List<KeyValuePair<string, string>>();
        Walk(System.Text.Json.Nodes.JsonNode.Parse(json), string.Empty, found);
        return found;
    }

    /// <summary>The document with the string values at the given pointers replaced.</summary>
    public static string Replace(string json, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var root = System.Text.Json.Nodes.JsonNode.Parse(json);
        foreach (var (pointer, value) in values)
        {
            var parts = JsonPointer.Tokens(pointer);
            var parent = root;
            foreach (var part in parts[..^1])
            {
                parent = parent is System.Text.Json.Nodes.JsonArray a ? a[int.Parse(part, System.Globalization.CultureInfo.InvariantCulture)] : parent![part];
            }

            if (parent is System.Text.Json.Nodes.JsonArray array)
            {
                array[int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture)] = value;
            }
            else
            {
                parent![parts[^1]] = value;
            }
        }

        return root!.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static void Walk(System.Text.Json.Nodes.JsonNode? node, string pointer, List<KeyValuePair<string, string>> found)
    {
        switch (node)
        {
            case System.Text.Json.Nodes.JsonObject o:
                foreach (var (name, child) in o)
                {
                    Walk(child, $"{pointer}/{name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)}", found);
                }

                break;
            case System.Text.Json.Nodes.JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Walk(a[i], $"{pointer}/{i}", found);
                }

                break;
            case System.Text.Json.Nodes.JsonValue v when v.GetValueKind() == JsonValueKind.String:
                found.Add(new(pointer, v.GetValue<string>()));
                break;
        }
    }
}

/// <summary>RFC 6901 JSON pointers over <see cref="JsonElement"/>.</summary>
public static class JsonPointer
{
    /// <summary>The unescaped reference tokens of a pointer (<c>/a~1b/0</c> is <c>a/b</c>, <c>0</c>).</summary>
    public static string[] Tokens(string pointer)
    {
        ArgumentNullException.ThrowIfNull(pointer);
        return [.. pointer.TrimStart('/').Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }

    /// <summary>The element at <paramref name="pointer"/> (e.g. <c>/data/items/0</c>), or null when absent.</summary>
    public static JsonElement? Resolve(JsonElement root, string pointer)
    {
        ArgumentNullException.ThrowIfNull(pointer);
        if (pointer.Length == 0)
        {
            return root;
        }

        var current = root;
        foreach (var token in Tokens(pointer))
        {
            if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(token, out var child))
            {
                current = child;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) && i < current.GetArrayLength())
            {
                current = current[i];
            }
            else
            {
                return null;
            }
        }

        return current;
    }
}
