using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gale.Dags;
using Gale.Engine;
using Gale.Host.Api;
using Gale.Storage.Engine;

namespace Gale.Host.Tests.Functions;

/// <summary>
/// The function app as the Functions host reads it: host.json and one folder per function at the root, the custom
/// handler executable beside them, a handler route for every non-HTTP trigger, and every setting documented.
/// </summary>
public sealed partial class FunctionAppLayoutTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    // Function name -> its trigger binding type.
    private static readonly Dictionary<string, string> Expected = new(StringComparer.Ordinal)
    {
        ["http"] = "httpTrigger",
        ["health"] = "httpTrigger",
        ["ui"] = "httpTrigger",
        ["scheduler"] = "timerTrigger",
        ["tasks"] = "queueTrigger",
        ["control"] = "queueTrigger",
        ["eventhub"] = "eventHubTrigger",
        ["blobs"] = "blobTrigger",
    };

    [Fact]
    public void FunctionFolders_InTheRepository_AreExactlyTheExpectedTriggers()
    {
        AssertFunctionFolders(Path.Combine(RepoRoot.Path, "functions"));
    }

    [Fact]
    public void FunctionJsonSettings_EveryReferencedSetting_IsDocumentedInLocalSettingsExample()
    {
        using var example = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot.Path, "local.settings.json.example")));
        var values = example.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var comments = example.RootElement.GetProperty("_comments").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var referenced = new HashSet<string>(StringComparer.Ordinal) { "FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage" };
        foreach (var file in Directory.GetFiles(Path.Combine(RepoRoot.Path, "functions"), "function.json", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            referenced.UnionWith(SettingReference().Matches(text).Select(m => m.Groups[1].Value));
            using var json = JsonDocument.Parse(text);
            referenced.UnionWith(json.RootElement.GetProperty("bindings").EnumerateArray().Where(b => b.TryGetProperty("connection", out _)).Select(b => b.GetProperty("connection").GetString()!));
        }

        foreach (var setting in referenced)
        {
            Assert.True(values.Any(v => v == setting || v.StartsWith(setting + "__", StringComparison.Ordinal)), $"{setting} is used by a function.json but has no value in local.settings.json.example");
            Assert.True(comments.Any(c => c == setting || c.StartsWith(setting + "__", StringComparison.Ordinal)), $"{setting} is used by a function.json but not explained in local.settings.json.example _comments");
        }

        Assert.Equal("custom", example.RootElement.GetProperty("Values").GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
    }

    [Fact]
    public async Task HandlerRoutes_EveryNonHttpFunction_IsServedByTheCustomHandler()
    {
        await Gale.Storage.GaleStorageLayout.EnsureCreatedAsync(azurite.Account); // health checks the real layout
        var dags = new DagBag([Dag.Create("layout").Task("t", _ => { }).Build()]);
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var states = new TableDagStateStore(await azurite.NewTableAsync());
        await using var host = new EngineHost(runs, dags, new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), new TaskServices(), TimeProvider.System, new EngineOptions { HostOwnsQueues = true }, dagStates: states);
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, new ApiContext(azurite.Account, dags, host.Engine, runs, states, ApiKeys.Parse(null)) { QueueHost = host, Scheduler = host.Scheduler, Watchers = host.Watchers, FunctionsHandler = true });
        await using var _ = app;

        foreach (var (name, trigger) in Expected.Where(e => e.Value != "httpTrigger"))
        {
            // An empty invocation is malformed: a served route answers 400, a missing one 404.
            using var response = await client.PostAsync(new Uri("/" + name, UriKind.Relative), new StringContent("{}", Encoding.UTF8, "application/json"));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"/{name} ({trigger}) answered {(int)response.StatusCode}");
        }

        // The http function's route (api/{*path}, routePrefix "") forwards /api/v1/... unchanged; health is its own anonymous function.
        using var health = await client.GetAsync(new Uri("/api/v1/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task DotnetPublish_LinuxX64SelfContained_ProducesTheFunctionAppFolder()
    {
        var work = Directory.CreateTempSubdirectory("gale-publish-");
        try
        {
            var output = Path.Combine(work.FullName, "functionapp");
            var (code, log) = await RunAsync("dotnet", ["publish", Path.Combine(RepoRoot.Path, "src", "Functions"), "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", output, "--artifacts-path", Path.Combine(work.FullName, "artifacts"), "-nologo"], TimeSpan.FromMinutes(10));
            Assert.True(code == 0, "dotnet publish failed:\n" + log);

            using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "host.json")));
            var handler = hostJson.RootElement.GetProperty("customHandler");
            Assert.Equal("gale", handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
            Assert.Equal(["functions"], handler.GetProperty("description").GetProperty("arguments").EnumerateArray().Select(a => a.GetString()));
            Assert.True(handler.GetProperty("enableForwardingHttpRequest").GetBoolean());
            Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", hostJson.RootElement.GetProperty("extensionBundle").GetProperty("id").GetString());
            var queues = hostJson.RootElement.GetProperty("extensions").GetProperty("queues");
            Assert.Equal("base64", queues.GetProperty("messageEncoding").GetString()); // Gale's queue client writes base64
            Assert.True(queues.GetProperty("batchSize").GetInt32() > 0);
            Assert.True(queues.GetProperty("maxDequeueCount").GetInt32() > 1);
            Assert.Equal(string.Empty, hostJson.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());

            AssertFunctionFolders(output);
            var gale = Path.Combine(output, "gale");
            Assert.True(File.Exists(gale), "the custom handler executable 'gale' is missing");
            Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(gale).HasFlag(UnixFileMode.UserExecute), "gale is not executable");
            Assert.True(File.Exists(Path.Combine(output, "libhostfxr.so")), "not self-contained: the Functions host image need not have .NET 10");
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(output, "dags"), "*.yaml"));
            Assert.True(File.Exists(Path.Combine(output, "wwwroot", "ui", "index.html")), "the web UI (wwwroot/ui) is missing");
            Assert.NotEmpty(Directory.GetFiles(Path.Combine(output, "wwwroot", "ui", "js"), "*.js"));

            var (helpCode, help) = await RunAsync(gale, ["--help"], TimeSpan.FromMinutes(1), output);
            Assert.Equal(0, helpCode);
            Assert.Contains("functions", help, StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static void AssertFunctionFolders(string root)
    {
        var folders = Directory.GetDirectories(root).Where(d => File.Exists(Path.Combine(d, "function.json"))).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), folders);
        foreach (var (name, trigger) in Expected)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, name, "function.json")));
            var bindings = json.RootElement.GetProperty("bindings").EnumerateArray().ToList();
            var triggers = bindings.Where(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).ToList();
            Assert.Equal(trigger, Assert.Single(triggers).GetProperty("type").GetString());
            Assert.Equal("in", triggers[0].GetProperty("direction").GetString());
            if (trigger == "httpTrigger")
            {
                // Forwarded HTTP needs exactly an http output binding beside the trigger.
                Assert.Equal(2, bindings.Count);
                Assert.Contains(bindings, b => b.GetProperty("type").GetString() == "http" && b.GetProperty("direction").GetString() == "out");
                // The API (http) needs a function key; health and the UI's static files are public (the API behind the UI is not).
                Assert.Equal(name is "health" or "ui" ? "anonymous" : "function", triggers[0].GetProperty("authLevel").GetString());
            }

            if (trigger == "queueTrigger")
            {
                Assert.Equal(name, triggers[0].GetProperty("queueName").GetString());
                Assert.Equal(QueueTriggerEndpoints.Binding, triggers[0].GetProperty("name").GetString());
            }
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, string? directory = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory ?? RepoRoot.Path };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex("%([A-Za-z0-9_]+)%")]
    private static partial Regex SettingReference();
}
