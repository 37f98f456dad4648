using System.Text.Json;
using Gale.Testing;

namespace Gale.Functions.Tests;

/// <summary>
/// <c>dotnet publish</c> of src/Functions gives a standard isolated-worker Durable Functions app: the function index
/// the host reads, the worker's start-up file, the host extensions the Worker SDK's build step installed, host.json,
/// the YAML DAGs and the web UI.
/// </summary>
public sealed class PublishTests
{
    // Every function the app declares, with its trigger binding type.
    private static readonly Dictionary<string, string> Expected = new(StringComparer.Ordinal)
    {
        ["DagRunOrchestrator"] = "orchestrationTrigger",
        ["RunTaskAttempt"] = "activityTrigger",
        ["PollTrigger"] = "activityTrigger",
        ["ClearTaskData"] = "activityTrigger",
        ["FinishRun"] = "activityTrigger",
        ["ReadPreviousRun"] = "activityTrigger",
        ["http"] = "httpTrigger",
        ["health"] = "httpTrigger",
        ["ui"] = "httpTrigger",
        ["scheduler"] = "timerTrigger",
        ["blobs"] = "blobTrigger",
    };

    [Fact]
    public async Task DotnetPublish_Release_GivesAnIsolatedWorkerDurableFunctionsApp()
    {
        var work = Directory.CreateTempSubdirectory("gale-fx-publish-");
        try
        {
            var output = Path.Combine(work.FullName, "app");
            var (code, stdout, stderr) = await ChildProcess.RunAsync("dotnet", ["publish", Path.Combine(RepoRoot.Path, "src", "Functions"), "-c", "Release", "-o", output, "--artifacts-path", Path.Combine(work.FullName, "artifacts"), "-nologo"], TimeSpan.FromMinutes(10));
            Assert.True(code == 0, "dotnet publish failed:\n" + stdout + stderr);

            using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "functions.metadata")));
            var functions = metadata.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("bindings").EnumerateArray().ToList(), StringComparer.Ordinal);
            Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), functions.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, trigger) in Expected)
            {
                var triggers = functions[name].Where(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).ToList();
                Assert.Equal(trigger, Assert.Single(triggers).GetProperty("type").GetString());
            }

            // The API asks for a function key; health and the UI are open; blobs arrive through Event Grid; every
            // function that changes or reads runs gets a durable client.
            Assert.Equal("Function", Trigger(functions["http"]).GetProperty("authLevel").GetString());
            Assert.Equal("api/{*path}", Trigger(functions["http"]).GetProperty("route").GetString());
            Assert.All(new[] { "health", "ui" }, f => Assert.Equal("Anonymous", Trigger(functions[f]).GetProperty("authLevel").GetString()));
            Assert.Equal("EventGrid", Trigger(functions["blobs"]).GetProperty("source").GetString());
            Assert.All(Expected.Keys.Where(n => n != "DagRunOrchestrator"), f => Assert.Contains(functions[f], b => b.GetProperty("type").GetString() == "durableClient"));

            using var worker = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "worker.config.json")));
            var description = worker.RootElement.GetProperty("description");
            Assert.Equal("dotnet-isolated", description.GetProperty("language").GetString());
            Assert.Equal("Gale.Functions.dll", description.GetProperty("defaultWorkerPath").GetString());
            Assert.True(File.Exists(Path.Combine(output, "Gale.Functions.dll")));

            // The host-side extensions the Worker SDK's build step restored and installed.
            using var extensions = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "extensions.json")));
            var installed = extensions.RootElement.GetProperty("extensions").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();
            Assert.Contains("DurableTask", installed);
            Assert.Contains("AzureStorageBlobs", installed);
            Assert.True(File.Exists(Path.Combine(output, ".azurefunctions", "Microsoft.Azure.WebJobs.Extensions.DurableTask.dll")));

            using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "host.json")));
            var root = host.RootElement;
            Assert.Equal("2.0", root.GetProperty("version").GetString());
            Assert.False(root.TryGetProperty("customHandler", out _), "host.json still configures a custom handler");
            Assert.Equal(string.Empty, root.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString());
            var durable = root.GetProperty("extensions").GetProperty("durableTask");
            Assert.Equal("%GALE_TASKHUB_NAME%", durable.GetProperty("hubName").GetString());
            Assert.Equal("AzureStorage", durable.GetProperty("storageProvider").GetProperty("type").GetString());
            Assert.True(durable.GetProperty("maxConcurrentActivityFunctions").GetInt32() > 0);
            Assert.True(durable.GetProperty("maxConcurrentOrchestratorFunctions").GetInt32() > 0);

            // Every app setting a binding or host.json names is documented in local.settings.json.example.
            AssertSettingsDocumented(File.ReadAllText(Path.Combine(output, "functions.metadata")) + File.ReadAllText(Path.Combine(output, "host.json")), functions.Values.SelectMany(b => b));

            Assert.NotEmpty(Directory.GetFiles(Path.Combine(output, "dags"), "*.yaml"));
            Assert.True(File.Exists(Path.Combine(output, "gale.dll")), "the C# DAGs (compiled into gale.dll) are missing");
            Assert.True(File.Exists(Path.Combine(output, "wwwroot", "ui", "index.html")), "the web UI (wwwroot/ui) is missing");
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static void AssertSettingsDocumented(string text, IEnumerable<JsonElement> bindings)
    {
        using var example = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot.Path, "local.settings.json.example")));
        var values = example.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var comments = example.RootElement.GetProperty("_comments").EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var referenced = new HashSet<string>(StringComparer.Ordinal) { "FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage" };
        referenced.UnionWith(System.Text.RegularExpressions.Regex.Matches(text, "%([A-Za-z0-9_]+)%").Select(m => m.Groups[1].Value));
        referenced.UnionWith(bindings.Where(b => b.TryGetProperty("connection", out _)).Select(b => b.GetProperty("connection").GetString()!));
        Assert.Contains("GALE_TASKHUB_NAME", referenced);
        foreach (var setting in referenced)
        {
            Assert.True(values.Any(v => v == setting || v.StartsWith(setting + "__", StringComparison.Ordinal)), $"{setting} is used by the app but has no value in local.settings.json.example");
            Assert.True(comments.Any(c => c == setting || c.StartsWith(setting + "__", StringComparison.Ordinal)), $"{setting} is used by the app but not explained in local.settings.json.example _comments");
        }

        Assert.Equal("dotnet-isolated", example.RootElement.GetProperty("Values").GetProperty("FUNCTIONS_WORKER_RUNTIME").GetString());
    }

    private static JsonElement Trigger(List<JsonElement> bindings) =>
        bindings.Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
}
