using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gale.Engine;
using Gale.Functions.Api;
using Gale.Storage.Engine;

namespace Gale.Functions.Tests.Api;

/// <summary>An API answer: status, body (default when empty) and content type.</summary>
internal sealed record ApiAnswer(HttpStatusCode Status, JsonElement Body, string? ContentType)
{
    /// <summary>The problem's detail, or null when the body is not a problem.</summary>
    public string? Detail => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("detail", out var d) ? d.GetString() : null;

    /// <summary>The items of a list answer.</summary>
    public IReadOnlyList<JsonElement> Items(string name) => [.. Body.GetProperty(name).EnumerateArray()];
}

/// <summary>Shared plumbing of the API contract tests: an app on Azurite with an admin and a read-only key, and requests.</summary>
internal static class ApiTestKit
{
    public const string AdminKey = "admin-key-0123456789";
    public const string ReadKey = "read-key-0123456789ab";
    public const string Keys = $"{AdminKey}:admin,{ReadKey}:read";

    /// <summary>
    /// What the API works with, on fresh Azurite tables and queues: runs, DAG states and an engine that never runs
    /// tasks (no workers: triggered runs stay queued), with <paramref name="keys"/> as <c>GALE_API_KEYS</c>.
    /// </summary>
    public static async Task<ApiContext> ContextAsync(AzuriteFixture azurite, IDagRegistry dags, string? keys = Keys)
    {
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var states = new TableDagStateStore(await azurite.NewTableAsync());
        var engine = new RunEngine(runs, dags, new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), TimeProvider.System, new EngineOptions { RunReadyTasksLocally = false });
        return new ApiContext(azurite.Account, dags, engine, runs, states, ApiKeys.Parse(keys));
    }

    /// <summary>Gale's app on <paramref name="dags"/> with an engine that never runs tasks (no workers: triggered runs stay queued).</summary>
    public static async Task<(WebApplication App, HttpClient Client, ApiContext Api)> StartAsync(AzuriteFixture azurite, IDagRegistry dags, TaskServices? services = null, Func<ApiContext, ApiContext>? change = null)
    {
        var api = await ContextAsync(azurite, dags) with { Services = services ?? new TaskServices() };
        api = change?.Invoke(api) ?? api;
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, api);
        return (app, client, api);
    }

    /// <summary>Sends a request with <paramref name="key"/> (none when null); a string body is sent as raw JSON text.</summary>
    public static async Task<ApiAnswer> SendAsync(HttpClient client, HttpMethod method, string path, string? key = AdminKey, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (key is not null)
        {
            request.Headers.Add(ApiKeys.Header, key);
        }

        if (body is not null)
        {
            request.Content = body is string text ? new StringContent(text, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request);
        var content = await response.Content.ReadAsStringAsync();
        var json = default(JsonElement);
        if (content.Length > 0 && response.Content.Headers.ContentType?.MediaType is { } type && type.Contains("json", StringComparison.Ordinal))
        {
            json = JsonDocument.Parse(content).RootElement.Clone();
        }

        return new ApiAnswer(response.StatusCode, json, response.Content.Headers.ContentType?.MediaType);
    }

    public static Task<ApiAnswer> GetAsync(HttpClient client, string path, string? key = ReadKey) => SendAsync(client, HttpMethod.Get, path, key);

    /// <summary>Asserts a problem JSON answer with <paramref name="status"/> whose detail starts with <paramref name="detailStart"/> (when given).</summary>
    public static void AssertProblem(ApiAnswer answer, HttpStatusCode status, string? detailStart = null)
    {
        Assert.Equal(status, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal((int)status, answer.Body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(answer.Body.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(answer.Detail));
        if (detailStart is not null)
        {
            Assert.StartsWith(detailStart, answer.Detail, StringComparison.Ordinal);
        }
    }
}

/// <summary>A DAG registry with import errors (a DAG folder where some files failed to load).</summary>
internal sealed class RegistryWithImportErrors(IEnumerable<Gale.Dags.Dag> dags, IReadOnlyList<Gale.Dags.DagImportError> errors) : IDagRegistry
{
    private readonly DagBag _bag = new(dags);

    public IReadOnlyCollection<Gale.Dags.Dag> Dags => _bag.Dags;

    public IReadOnlyList<Gale.Dags.DagImportError> ImportErrors => errors;

    public Gale.Dags.Dag? Find(string dagId) => _bag.Find(dagId);
}
