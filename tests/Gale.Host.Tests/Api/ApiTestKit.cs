using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gale.Engine;
using Gale.Host.Api;
using Gale.Orchestration.AzureStorage;
using Gale.Storage.Engine;

namespace Gale.Host.Tests.Api;

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
    /// What the API works with, as <c>gale serve</c> composes it, on fresh Azurite tables and a fresh task hub: runs as
    /// Durable Task instances (no scheduler: triggered runs stay queued), DAG states, and <paramref name="keys"/> as
    /// <c>GALE_API_KEYS</c>. The caller disposes the hub (or hands it to <see cref="GaleTestHost"/>).
    /// </summary>
    public static async Task<(ApiContext Api, AzureStorageTaskHub Hub)> ContextAsync(AzuriteFixture azurite, IDagRegistry dags, string? keys = Keys, TaskServices? services = null)
    {
        services ??= new TaskServices();
        // One task hub per app: its own queues, tables and leases on the shared Azurite.
        var options = new TaskHubOptions { HubName = "h" + Guid.NewGuid().ToString("N")[..12], PartitionCount = 1, TryCheckInterval = TimeSpan.FromSeconds(1) };
        var hub = await AzureStorageTaskHub.StartAsync(azurite.Server.Connection, options, dags, services, TimeProvider.System);
        var states = new TableDagStateStore(await azurite.NewTableAsync());
        return (new ApiContext(azurite.Account, dags, hub.Runs, hub.Runs, states, ApiKeys.Parse(keys)) { Services = services }, hub);
    }

    /// <summary>
    /// As <see cref="ContextAsync"/>, with the scheduler ticking every 200 ms beside the task hub (as <c>gale serve</c>
    /// runs it): runs start and their tasks run. Disposing the returned runtime stops both.
    /// </summary>
    public static async Task<(ApiContext Api, IAsyncDisposable Runtime)> LiveContextAsync(AzuriteFixture azurite, IDagRegistry dags, string? keys = Keys, TaskServices? services = null)
    {
        var (api, hub) = await ContextAsync(azurite, dags, keys, services);
        var scheduling = new Gale.Scheduling.SchedulerHost(hub.Runs, dags, api.DagStates, api.Services, TimeProvider.System, new Gale.Scheduling.SchedulerOptions { Interval = TimeSpan.FromMilliseconds(200) });
        return (api with { Scheduler = scheduling.Scheduler, Watchers = scheduling.Watchers }, new LiveRuntime(hub, scheduling));
    }

    private sealed class LiveRuntime : IAsyncDisposable
    {
        private readonly AzureStorageTaskHub _hub;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _scheduling;

        public LiveRuntime(AzureStorageTaskHub hub, Gale.Scheduling.SchedulerHost scheduling)
        {
            _hub = hub;
            _scheduling = scheduling.RunAsync(_stop.Token);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _scheduling;
            }
            catch (OperationCanceledException)
            {
            }

            await _hub.DisposeAsync();
            _stop.Dispose();
        }
    }

    /// <summary>Gale's app on <paramref name="dags"/> over a fresh task hub (no scheduler: triggered runs stay queued), disposed with the app.</summary>
    public static async Task<(WebApplication App, HttpClient Client, ApiContext Api)> StartAsync(AzuriteFixture azurite, IDagRegistry dags, TaskServices? services = null, Func<ApiContext, ApiContext>? change = null, HttpHost host = HttpHost.Serve)
    {
        var (api, hub) = await ContextAsync(azurite, dags, services: services);
        api = change?.Invoke(api) ?? api;
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, api, hub, host);
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
