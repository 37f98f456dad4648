using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Gale.Host.Cli.Remote;

/// <summary>An API answer that is not a success: its status and the problem's detail.</summary>
internal sealed class ApiProblemException(int status, string message) : Exception(message)
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;
}

/// <summary>The CLI's client of Gale's REST API (<c>/api/v1</c>): JSON in, JSON out, problems as exceptions.</summary>
internal sealed class GaleApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _cancelled = new();

    public GaleApiClient(Uri baseUrl, string? apiKey, string? bearerToken, string? functionsKey, HttpMessageHandler? handler = null)
    {
        BaseUrl = baseUrl;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = new Uri(baseUrl, "api/v1/");
        _http.Timeout = TimeSpan.FromSeconds(100);
        if (!string.IsNullOrEmpty(apiKey))
        {
            _http.DefaultRequestHeaders.Add("X-API-Key", apiKey);
        }

        if (!string.IsNullOrEmpty(bearerToken))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        if (!string.IsNullOrEmpty(functionsKey))
        {
            _http.DefaultRequestHeaders.Add("x-functions-key", functionsKey);
        }
    }

    /// <summary>The API's root (without <c>/api/v1</c>).</summary>
    public Uri BaseUrl { get; }

    /// <summary>True once the caller cancelled a request.</summary>
    public bool IsCancelled => _cancelled.IsCancellationRequested;

    /// <summary>A path under <c>/api/v1</c> from segments, each escaped (<c>Path("dags", id, "dagRuns")</c>).</summary>
    public static string Path(params string[] segments) => string.Join('/', segments.Select(Uri.EscapeDataString));

    /// <summary>GETs JSON.</summary>
    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, cancellationToken);

    /// <summary>GETs JSON, or null when the API answers 404.</summary>
    public async Task<JsonElement?> FindAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await GetAsync(path, cancellationToken);
        }
        catch (ApiProblemException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Every item of a paged list (<c>limit</c>/<c>offset</c>, <c>total_entries</c>), up to <paramref name="max"/>.</summary>
    public async Task<List<JsonElement>> ListAsync(string path, string property, CancellationToken cancellationToken, int max = int.MaxValue)
    {
        var items = new List<JsonElement>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        while (items.Count < max)
        {
            var limit = Math.Min(1000, max - items.Count);
            var page = await GetAsync($"{path}{separator}limit={limit}&offset={items.Count}", cancellationToken);
            var batch = page.GetProperty(property).EnumerateArray().ToList();
            items.AddRange(batch);
            if (batch.Count < limit || items.Count >= page.GetProperty("total_entries").GetInt32())
            {
                break;
            }
        }

        return items;
    }

    /// <summary>GETs plain text (task logs).</summary>
    public async Task<string> GetTextAsync(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        using var response = await SendCoreAsync(request, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Sends a JSON body (or none) and returns the JSON answer (an empty object for 204).</summary>
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body is string text ? text : JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await SendCoreAsync(request, cancellationToken);
        var content = await response.Content.ReadAsStringAsync(cancellationToken);
        return content.Length == 0 ? JsonDocument.Parse("{}").RootElement.Clone() : JsonDocument.Parse(content).RootElement.Clone();
    }

    public void Dispose()
    {
        _http.Dispose();
        _cancelled.Dispose();
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(_cancelled.Cancel);
        var response = await _http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            string? detail = null;
            try
            {
                using var problem = JsonDocument.Parse(text);
                detail = problem.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            }
            catch (JsonException)
            {
                // Not problem JSON (a proxy, the Functions host): show the status alone.
            }

            throw new ApiProblemException((int)response.StatusCode, $"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {response.ReasonPhrase}{(detail is null ? string.Empty : ": " + detail)}");
        }
    }
}
