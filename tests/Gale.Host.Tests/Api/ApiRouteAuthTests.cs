using System.Net;
using System.Text.RegularExpressions;
using Gale.Dags;
using Gale.Engine;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static Gale.Host.Tests.Api.ApiTestKit;

namespace Gale.Host.Tests.Api;

/// <summary>
/// Walks every route the app maps (from its <see cref="EndpointDataSource"/>), so a route mapped outside the
/// authenticated <c>/api/v1</c> group, or a new one nobody wrote an auth test for, is caught.
/// </summary>
public abstract partial class ApiRouteAuthTests(AzuriteFixture azurite, HttpHost host) : IClassFixture<AzuriteFixture>
{
    // The API maps 40 routes under /api/v1 besides health and version; fewer means the walk lost some.
    private const int RouteFloor = 40;

    private static readonly string[] OpenRoutes = ["/api/v1/health", "/api/v1/version"];

    // The web UI's static files and redirects: public, read-only (its data comes from the API, behind auth).
    private static readonly string[] UiRoutes = ["/", "/ui", "/ui/{**path}"];

    private async Task<(WebApplication App, HttpClient Client, IReadOnlyList<(string Method, string Pattern)> Routes)> StartAsync()
    {
        var dags = new DagBag([Dag.Create("walk").Task("t", _ => { }).Build()]);
        var (app, client, _) = await ApiTestKit.StartAsync(azurite, dags, change: api => api with { HostChecksFunctionKeys = true }, host: host);
        if (host == HttpHost.Serve)
        {
            return (app, client, RoutesOf(app));
        }

        // The Function App hands every request to the same pipeline: its routes are gale serve's, walked through the
        // http function.
        var (serve, _, _) = await ApiTestKit.StartAsync(azurite, dags);
        await using (serve)
        {
            return (app, client, RoutesOf(serve));
        }
    }

    private static List<(string Method, string Pattern)> RoutesOf(WebApplication app) =>
        [.. app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => (Method: m, Pattern: e.RoutePattern.RawText ?? string.Empty)))];

    private static IReadOnlyList<(string Method, string Path)> Protected(IEnumerable<(string Method, string Pattern)> routes) =>
        [.. routes.Where(r => r.Pattern.StartsWith("/api/v1/", StringComparison.Ordinal) && !OpenRoutes.Contains(r.Pattern))
            .Select(r => (r.Method, Fill(r.Pattern)))];

    // Route parameters get "1", which satisfies the int constraint of logs/{tryNumber:int} and names nothing that exists.
    private static string Fill(string pattern) => RouteParameter().Replace(pattern, "1");

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();

    [Fact]
    public async Task WalkRoutes_EveryApiRoute_IsFoundAboveTheFloorAndNoneLiesOutsideTheGroup()
    {
        var (app, _, routes) = await StartAsync();
        await using var _ = app;

        var walked = Protected(routes);
        var outside = routes.Where(r => !r.Pattern.StartsWith("/api/v1/", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(walked);
        Assert.True(walked.Count >= RouteFloor, $"only {walked.Count} routes under /api/v1: {string.Join(", ", walked)}");
        Assert.Equal(walked.Count, walked.Distinct().Count());
        Assert.Contains(("GET", "/api/v1/dags/1/dagRuns/1/taskInstances/1/logs/1"), walked);
        Assert.All(OpenRoutes, open => Assert.Contains(routes, r => r.Pattern == open && r.Method == "GET"));
        Assert.All(outside, r => Assert.Contains(r.Pattern, UiRoutes)); // nothing but the UI outside /api/v1, even with function keys on
        Assert.Equal(UiRoutes.Order(StringComparer.Ordinal), outside.Where(r => UiRoutes.Contains(r.Pattern)).Select(r => r.Pattern).Distinct().Order(StringComparer.Ordinal));
        Assert.All(outside.Where(r => UiRoutes.Contains(r.Pattern)), r => Assert.Contains(r.Method, new[] { "GET", "HEAD" }));
    }

    [Fact]
    public async Task WalkRoutes_NoCredentials_EveryApiRouteAnswers401Problem()
    {
        var (app, client, routes) = await StartAsync();
        await using var _ = app;

        var failures = new List<string>();
        foreach (var (method, path) in Protected(routes))
        {
            var answer = await SendAsync(client, new HttpMethod(method), path, key: null);
            if (answer.Status != HttpStatusCode.Unauthorized || answer.ContentType != "application/problem+json" || answer.Body.GetProperty("status").GetInt32() != 401 || string.IsNullOrEmpty(answer.Detail))
            {
                failures.Add($"{method} {path}: {(int)answer.Status} {answer.ContentType}");
            }
        }

        Assert.Empty(failures);
    }

    [Fact]
    public async Task WalkRoutes_ReadOnlyKeyOnNonGetMethod_Answers403Problem()
    {
        var (app, client, routes) = await StartAsync();
        await using var _ = app;

        var writes = Protected(routes).Where(r => r.Method != "GET").ToList();
        var failures = new List<string>();
        foreach (var (method, path) in writes)
        {
            var answer = await SendAsync(client, new HttpMethod(method), path, ReadKey, body: "{}");
            if (answer.Status != HttpStatusCode.Forbidden || answer.ContentType != "application/problem+json" || answer.Body.GetProperty("status").GetInt32() != 403)
            {
                failures.Add($"{method} {path}: {(int)answer.Status}");
            }
        }

        Assert.True(writes.Count >= 15, $"only {writes.Count} write routes");
        Assert.Empty(failures);
    }

    [Fact]
    public async Task WalkRoutes_ValidKeys_PassAuthAndNeverFailOnDummyValues()
    {
        var (app, client, routes) = await StartAsync();
        await using var _ = app;

        // Read-only keys may GET everything, admin keys may do everything; dummy ids end in 2xx, 400 or 404, never 401/403/5xx.
        var failures = new List<string>();
        foreach (var (method, path) in Protected(routes))
        {
            var answer = await SendAsync(client, new HttpMethod(method), path, method == "GET" ? ReadKey : AdminKey, body: method == "GET" ? null : "{}");
            if (answer.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.MethodNotAllowed || (int)answer.Status >= 500)
            {
                failures.Add($"{method} {path}: {(int)answer.Status} {answer.Detail}");
            }
        }

        Assert.Empty(failures);
    }

    [Theory]
    [InlineData("/api/v1/health")]
    [InlineData("/api/v1/version")]
    public async Task OpenRoutes_NoCredentials_AnswerWithoutAuth(string path)
    {
        await Gale.Storage.GaleStorageLayout.EnsureCreatedAsync(azurite.Account); // health is 200 only on provisioned storage
        var (app, client, _) = await StartAsync();
        await using var _ = app;

        var answer = await SendAsync(client, HttpMethod.Get, path, key: null);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/json", answer.ContentType);
        Assert.True(answer.Body.TryGetProperty(path.EndsWith("health", StringComparison.Ordinal) ? "metadatabase" : "version", out var field));
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, field.ValueKind);
    }
}

/// <summary>The route walk through <c>gale serve</c>.</summary>
public sealed class ApiRouteAuthTestsOnServe(AzuriteFixture azurite) : ApiRouteAuthTests(azurite, HttpHost.Serve);

/// <summary>The route walk through the Function App's <c>http</c> function.</summary>
public sealed class ApiRouteAuthTestsOnFunctions(AzuriteFixture azurite) : ApiRouteAuthTests(azurite, HttpHost.Functions);
