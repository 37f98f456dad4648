using System.Net;
using System.Text.RegularExpressions;
using Gale.Host.Hosting;
using Gale.Storage;

namespace Gale.Host.Tests.Ui;

/// <summary>
/// The web UI's static files as the app serves them: / and /ui redirect to /ui/, index.html and the ES modules with
/// their content types and no-cache, every module an import names exists, nothing is fetched from elsewhere, and every
/// data-testid of the UI contract (docs/ui.md) is in the UI's source.
/// </summary>
/// <summary>The web UI's files over HTTP through <paramref name="host"/>.</summary>
/// <param name="host">Which host serves the UI.</param>
public abstract partial class UiServingTests(HttpHost host) : IAsyncLifetime
{
    private WebApplication _app = null!;
    private protected HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        // Serving files touches no storage: a client for the development account is enough.
        (_app, _client) = await GaleTestHost.StartAsync(new StorageAccountClient(StorageConnection.Development()), host: host);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task UiRoot_ServesIndexHtml_NoCache_WithTheNavAndTheAppModule()
    {
        using var response = await _client.GetAsync(new Uri("/ui/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.True(response.Headers.CacheControl?.NoCache, "Cache-Control: no-cache is missing");
        Assert.Contains("""<script type="module" src="js/app.js"></script>""", html, StringComparison.Ordinal);
        Assert.Contains("""data-testid="nav-dags""", html, StringComparison.Ordinal);
        Assert.Contains("""data-testid="nav-assets""", html, StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", string.Join(' ', response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", string.Join(' ', response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/ui/js/app.js", "text/javascript")]
    [InlineData("/ui/js/grid.js", "text/javascript")]
    [InlineData("/ui/gale.css", "text/css")]
    [InlineData("/ui/index.html", "text/html")]
    public async Task StaticFiles_HaveTheirContentType_AndNoCache(string path, string mediaType)
    {
        using var get = await _client.GetAsync(new Uri(path, UriKind.Relative));
        using var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(path, UriKind.Relative)));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(mediaType, get.Content.Headers.ContentType?.MediaType);
        Assert.True(get.Headers.CacheControl?.NoCache, $"{path}: Cache-Control: no-cache is missing");
        Assert.Equal("nosniff", get.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(mediaType, head.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/ui/nope.js")]
    [InlineData("/ui/js/nope.js")]
    [InlineData("/ui/%2e%2e/gale.dll")]
    [InlineData("/ui/..%2fgale.deps.json")]
    public async Task UnknownFiles_AreNotFound(string path)
    {
        using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Module_RevalidatedWithItsETag_IsNotModified()
    {
        using var first = await _client.GetAsync(new Uri("/ui/js/app.js", UriKind.Relative));
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/ui/js/app.js", UriKind.Relative));
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var again = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
    }

    [Fact]
    public async Task EveryModule_ImportsOnlyServedRelativeModules_AndNothingFromTheInternet()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(["/ui/js/app.js"]);
        while (queue.Count > 0)
        {
            var path = queue.Dequeue();
            if (!seen.Add(path))
            {
                continue;
            }

            using var response = await _client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
            var source = await response.Content.ReadAsStringAsync();
            foreach (Match import in ImportRegex().Matches(source))
            {
                var target = import.Groups[1].Value;
                Assert.StartsWith("./", target, StringComparison.Ordinal);
                queue.Enqueue(path[..(path.LastIndexOf('/') + 1)] + target[2..]);
            }
        }

        var files = Directory.GetFiles(GaleWebApp.UiRoot, "*.*", SearchOption.AllDirectories);
        Assert.Equal(files.Count(f => f.EndsWith(".js", StringComparison.Ordinal)), seen.Count); // every module is used
        foreach (var file in files)
        {
            var text = await File.ReadAllTextAsync(file);
            var external = UrlRegex().Matches(text).Select(m => m.Value).Where(u => u != "http://www.w3.org/2000/svg").ToList();
            Assert.True(external.Count == 0, $"{Path.GetFileName(file)} names {string.Join(", ", external)}: the UI must work offline");
        }
    }

    [GeneratedRegex("""(?:import|export)\s[^;]*?from\s+'([^']+)'""")]
    private static partial Regex ImportRegex();

    [GeneratedRegex("""https?://[^\s'"`)]+""")]
    private static partial Regex UrlRegex();
}

/// <summary>The UI through <c>gale serve</c>, which also redirects its root; and the UI's files as built.</summary>
public sealed partial class UiServingTestsOnServe() : UiServingTests(HttpHost.Serve)
{
    [Fact]
    public async Task Root_RedirectsToTheUi()
    {
        using var root = await _client.GetAsync(new Uri("/", UriKind.Relative));
        using var bare = await _client.GetAsync(new Uri("/ui", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/ui/", root.Headers.Location?.OriginalString);
        Assert.True(bare.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.MovedPermanently, $"/ui answered {bare.StatusCode}");
        Assert.EndsWith("/ui/", bare.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public void UiFiles_LandBesideGale()
    {
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "wwwroot", "ui"), GaleWebApp.UiRoot);
        Assert.True(File.Exists(Path.Combine(GaleWebApp.UiRoot, "index.html")));
        Assert.Single(Directory.GetFiles(GaleWebApp.UiRoot, "*.css", SearchOption.AllDirectories));
    }

    // The data-testid attributes of the UI contract: a trailing '-' stands for ids built from a DAG, run, task, group
    // or watcher id (the source builds them as `prefix-${…}`).
    [Theory]
    [InlineData("login-form", "api-key-input", "functions-key-input", "login-submit", "login-error", "nav-dags", "nav-assets")]
    [InlineData("dag-list", "dag-row-", "dag-link-", "pause-toggle-", "recent-runs-", "next-run-", "last-run-", "tag-filter", "import-errors")]
    [InlineData("dag-title", "trigger-button", "pause-toggle", "tab-", "grid", "graph", "gantt", "code", "details")]
    [InlineData("trigger-form", "trigger-run-id", "trigger-logical-date", "trigger-conf", "trigger-submit", "trigger-error")]
    [InlineData("grid-run-", "grid-row-", "grid-cell-", "grid-group-", "grid-group-toggle-", "graph-node-", "gantt-bar-")]
    [InlineData("task-panel", "ti-state", "ti-try", "ti-tab-", "ti-log", "ti-log-try", "ti-xcom", "ti-rendered", "ti-clear", "ti-clear-downstream", "ti-clear-upstream", "ti-clear-failed", "ti-mark-success", "ti-mark-failed", "ti-confirm", "ti-cancel", "ti-message", "ti-close", "ti-tries")]
    [InlineData("event-form", "event-name", "event-data", "event-send", "event-message")]
    [InlineData("asset-list", "asset-row", "asset-events", "watcher-row-", "watcher-watermark-", "watcher-reset-", "watcher-confirm-", "watcher-message")]
    public void ContractTestIds_AreAllInTheUiSource(params string[] ids)
    {
        var source = string.Join('\n', Directory.GetFiles(GaleWebApp.UiRoot, "*.*", SearchOption.AllDirectories).Select(File.ReadAllText));
        foreach (var id in ids)
        {
            var found = id.EndsWith('-')
                ? source.Contains($"testid: `{id}${{", StringComparison.Ordinal)
                : source.Contains($"testid: '{id}'", StringComparison.Ordinal) || source.Contains($"data-testid=\"{id}\"", StringComparison.Ordinal);
            Assert.True(found, $"data-testid {id}… is not in the UI's source");
        }
    }

    // Styles are set through the CSSOM only (el.style), never as markup or with setAttribute('style', …): the page must
    // work under a Content-Security-Policy whose style-src has no 'unsafe-inline'.
    [Fact]
    public void UiSource_SetsNoInlineStyleAttribute()
    {
        foreach (var file in Directory.GetFiles(GaleWebApp.UiRoot, "*.*", SearchOption.AllDirectories).Where(f => f.EndsWith(".js", StringComparison.Ordinal) || f.EndsWith(".html", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("style=", text, StringComparison.Ordinal);
            Assert.DoesNotContain("setAttribute('style'", text, StringComparison.Ordinal);
            Assert.DoesNotContain("setAttribute(\"style\"", text, StringComparison.Ordinal);
        }

        Assert.Contains("a.style.cssText = b.style.cssText", File.ReadAllText(Path.Combine(GaleWebApp.UiRoot, "js", "dom.js")), StringComparison.Ordinal);
    }

    [Fact]
    public void StateColours_AreAirflows()
    {
        var css = File.ReadAllText(Path.Combine(GaleWebApp.UiRoot, "gale.css"));
        foreach (var (state, colour) in new[]
        {
            ("success", "green"), ("failed", "red"), ("running", "lime"), ("queued", "gray"), ("up_for_retry", "gold"),
            ("up_for_reschedule", "turquoise"), ("upstream_failed", "orange"), ("skipped", "hotpink"), ("deferred", "mediumpurple"),
            ("scheduled", "tan"), ("removed", "lightgrey"), ("restarting", "violet"), ("none", "transparent"),
        })
        {
            Assert.Contains($".state-{state} {{ --state: {colour}; }}", css, StringComparison.Ordinal);
        }
    }
}

/// <summary>The UI through the Function App's <c>ui</c> function.</summary>
public sealed class UiServingTestsOnFunctions() : UiServingTests(HttpHost.Functions);
