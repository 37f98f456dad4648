using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Host.Api;
using Gale.Host.Dags;

namespace Gale.Host.Tests.Ui;

/// <summary>
/// The endpoints the web UI added, on Azurite: <c>GET /dagSources/{file_token}</c> (YAML from the folder and the dags
/// container, C# compiled into gale), <c>GET /dags/{dag_id}/details</c> (params) and
/// <c>GET …/taskInstances/{task_id}/tries</c> (one entry per try, from the run's history).
/// </summary>
public abstract class UiApiEndpointTests(AzuriteFixture azurite, HttpHost host) : IClassFixture<AzuriteFixture>
{
    private const string Key = "ui-admin-key-0123456789";

    private const string YamlDag = """
        dag_id: ui_src_yaml
        description: a YAML DAG whose source the code tab shows
        params:
          limit: {type: integer, default: 5, minimum: 1, maximum: 10, description: "How many"}
          mode: {type: string, default: fast, enum: [fast, slow]}
          size: {type: integer}
        tasks:
          - id: hello
            operator: shell
            command: echo hi
        """;

    private const string BlobDag = """
        dag_id: ui_src_blob
        tasks:
          - id: hello
            operator: shell
            command: echo from a blob
        """;

    private static string Token(string fileloc) => Convert.ToBase64String(Encoding.UTF8.GetBytes(fileloc)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private async Task<(WebApplication App, HttpClient Client, string YamlPath)> StartWithLibraryAsync()
    {
        var folder = Directory.CreateTempSubdirectory("gale-ui-src-").FullName;
        var yamlPath = Path.Combine(folder, "ui_src_yaml.yaml");
        await File.WriteAllTextAsync(yamlPath, YamlDag);
        var container = await azurite.NewContainerAsync();
        await container.GetBlobClient("team/ui_src_blob.yaml").UploadAsync(BinaryData.FromString(BlobDag), overwrite: true);
        var library = await DagLibrary.LoadAsync(folder, container);
        var (api, hub) = await Api.ApiTestKit.ContextAsync(azurite, library, $"{Key}:admin");
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, api, hub, host);
        client.DefaultRequestHeaders.Add(ApiKeys.Header, Key);
        return (app, client, yamlPath);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task DagSources_YamlFromTheFolderAndTheContainer_AndCSharpCompiledIn_ServedByFileToken()
    {
        var (app, client, yamlPath) = await StartWithLibraryAsync();
        await using var _ = app;

        // YAML in the DAGs folder: the DAG names its file_token; the source is the file, as JSON or as text.
        var (_, yamlDag) = await GetJsonAsync(client, "/api/v1/dags/ui_src_yaml");
        var yamlToken = yamlDag.GetProperty("file_token").GetString()!;
        Assert.Equal(Token(yamlPath), yamlToken);
        Assert.DoesNotContain('/', yamlToken);
        var (status, yaml) = await GetJsonAsync(client, $"/api/v1/dagSources/{yamlToken}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(YamlDag, yaml.GetProperty("content").GetString());
        Assert.Equal((yamlPath, "yaml"), (yaml.GetProperty("fileloc").GetString(), yaml.GetProperty("language").GetString()));
        Assert.Equal(["ui_src_yaml"], yaml.GetProperty("dag_ids").EnumerateArray().Select(d => d.GetString()));
        var plain = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/dagSources/{yamlToken}", UriKind.Relative));
        plain.Headers.Accept.ParseAdd("text/plain");
        using var text = await client.SendAsync(plain);
        Assert.Equal("text/plain", text.Content.Headers.ContentType?.MediaType);
        Assert.Equal(YamlDag, await text.Content.ReadAsStringAsync());

        // YAML in the dags container.
        var (_, blobDag) = await GetJsonAsync(client, "/api/v1/dags/ui_src_blob");
        Assert.StartsWith("blob://", blobDag.GetProperty("fileloc").GetString(), StringComparison.Ordinal);
        var (blobStatus, blob) = await GetJsonAsync(client, $"/api/v1/dagSources/{blobDag.GetProperty("file_token").GetString()}");
        Assert.Equal((HttpStatusCode.OK, BlobDag), (blobStatus, blob.GetProperty("content").GetString()));

        // A C# DAG compiled into gale: the file that declares its class (embedded at build time).
        var (_, etl) = await GetJsonAsync(client, "/api/v1/dags/example_etl");
        Assert.Equal("Gale.Examples.ExampleEtl", etl.GetProperty("fileloc").GetString());
        var (csStatus, cs) = await GetJsonAsync(client, $"/api/v1/dagSources/{etl.GetProperty("file_token").GetString()}");
        Assert.Equal((HttpStatusCode.OK, "csharp"), (csStatus, cs.GetProperty("language").GetString()));
        Assert.Equal(
            (await File.ReadAllTextAsync(Path.Combine(RepoRoot.Path, "dags", "ExampleEtl.cs"))).ReplaceLineEndings(),
            cs.GetProperty("content").GetString()!.ReplaceLineEndings());
    }

    [Fact]
    public async Task DagSources_ACSharpDagWhoseFilelocIsAPath_ServesTheEmbeddedFileOfThatName()
    {
        var dags = new DagBag(
        [
            Dag.Create("ui_cs_path").With(s => s with { Fileloc = "/src/app/dags/ExampleFanOut.cs" }).Task("t", _ => { }).Build(),
            Dag.Create("ui_cs_unknown").With(s => s with { Fileloc = "/src/app/dags/NotThere.cs" }).Task("t", _ => { }).Build(),
        ]);
        var (api, hub) = await Api.ApiTestKit.ContextAsync(azurite, dags, $"{Key}:admin");
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, api, hub, host);
        await using var _ = app;
        client.DefaultRequestHeaders.Add(ApiKeys.Header, Key);

        var (status, source) = await GetJsonAsync(client, $"/api/v1/dagSources/{Token("/src/app/dags/ExampleFanOut.cs")}");
        var (unknown, _) = await GetJsonAsync(client, $"/api/v1/dagSources/{Token("/src/app/dags/NotThere.cs")}");

        Assert.Equal((HttpStatusCode.OK, "csharp"), (status, source.GetProperty("language").GetString()));
        Assert.Contains("class ExampleFanOut", source.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown);
    }

    [Theory]
    [InlineData("not a token")]
    [InlineData("%2Fetc%2Fhostname")]
    public async Task DagSources_NotTheTokenOfALoadedDag_IsNotFound(string token)
    {
        var (app, client, _) = await StartWithLibraryAsync();
        await using var __ = app;

        // Only the files of loaded DAGs are served: a token for any other path (even one that exists) is 404.
        var (status, problem) = await GetJsonAsync(client, $"/api/v1/dagSources/{token}");
        var (existing, _) = await GetJsonAsync(client, $"/api/v1/dagSources/{Token("/etc/hostname")}");
        var (csharpType, _) = await GetJsonAsync(client, $"/api/v1/dagSources/{Token(typeof(DagDiscovery).FullName!)}");

        Assert.Equal((HttpStatusCode.NotFound, 404), (status, problem.GetProperty("status").GetInt32()));
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (existing, csharpType));
    }

    [Fact]
    public async Task DagSourcesAndDetails_WithoutAKey_AreUnauthorized()
    {
        var (app, client, _) = await StartWithLibraryAsync();
        await using var _ = app;
        client.DefaultRequestHeaders.Remove(ApiKeys.Header);

        var (source, _) = await GetJsonAsync(client, $"/api/v1/dagSources/{Token("x")}");
        var (details, _) = await GetJsonAsync(client, "/api/v1/dags/ui_src_yaml/details");
        var (tries, _) = await GetJsonAsync(client, "/api/v1/dags/ui_src_yaml/dagRuns/r/taskInstances/~/tries");

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized], new[] { source, details, tries });
    }

    [Fact]
    public async Task Details_TheDagWithItsParams_DefaultsTypesAndRules()
    {
        var (app, client, yamlPath) = await StartWithLibraryAsync();
        await using var _ = app;

        var (status, details) = await GetJsonAsync(client, "/api/v1/dags/ui_src_yaml/details");
        var (missing, problem) = await GetJsonAsync(client, "/api/v1/dags/nope/details");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("ui_src_yaml", yamlPath, Token(yamlPath)), (details.GetProperty("dag_id").GetString(), details.GetProperty("fileloc").GetString(), details.GetProperty("file_token").GetString()));
        Assert.Equal(("UTC", false, 16, 16), (details.GetProperty("timezone").GetString(), details.GetProperty("catchup").GetBoolean(), details.GetProperty("max_active_runs").GetInt32(), details.GetProperty("max_active_tasks").GetInt32()));
        var parameters = details.GetProperty("params");
        Assert.Equal(["limit", "mode", "size"], parameters.EnumerateObject().Select(p => p.Name));
        var limit = parameters.GetProperty("limit");
        Assert.Equal((5, true, "How many"), (limit.GetProperty("value").GetInt32(), limit.GetProperty("has_default").GetBoolean(), limit.GetProperty("description").GetString()));
        Assert.Equal(("integer", 1.0, 10.0), (limit.GetProperty("schema").GetProperty("type").GetString(), limit.GetProperty("schema").GetProperty("minimum").GetDouble(), limit.GetProperty("schema").GetProperty("maximum").GetDouble()));
        Assert.Equal(["fast", "slow"], parameters.GetProperty("mode").GetProperty("schema").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("fast", parameters.GetProperty("mode").GetProperty("value").GetString());
        var size = parameters.GetProperty("size");
        Assert.Equal((JsonValueKind.Null, false), (size.GetProperty("value").ValueKind, size.GetProperty("has_default").GetBoolean()));
        Assert.Equal((HttpStatusCode.NotFound, "DAG 'nope' is not loaded."), (missing, problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Tries_ARetriedTaskAndAMappedOne_OneEntryPerTryInAirflowsShape()
    {
        var dag = Dag.Create("ui_tries")
            .Task("flaky", ctx => ctx.TryNumber == 1 ? throw new InvalidOperationException("the first try fails") : "ok", options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.FromSeconds(1) })
            .Task("each", ctx => ctx.Arg<int>("n") * 2, after: "flaky")
            .Expand("each", MapSource.Literal("n", 1, 2))
            .Build();
        var (api, runtime) = await Api.ApiTestKit.LiveContextAsync(azurite, new DagBag([dag]), $"{Key}:admin");
        await using var engine = runtime;
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, api, host: host);
        await using var _ = app;
        client.DefaultRequestHeaders.Add(ApiKeys.Header, Key);

        using var trigger = await client.PostAsJsonAsync(new Uri("/api/v1/dags/ui_tries/dagRuns", UriKind.Relative), new { dag_run_id = "t1" });
        Assert.Equal(HttpStatusCode.OK, trigger.StatusCode);
        for (var i = 0; i < 200 && (await GetJsonAsync(client, "/api/v1/dags/ui_tries/dagRuns/t1")).Body.GetProperty("state").GetString() != "success"; i++)
        {
            await Task.Delay(100);
        }

        var (status, flaky) = await GetJsonAsync(client, "/api/v1/dags/ui_tries/dagRuns/t1/taskInstances/flaky/tries");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, flaky.GetProperty("total_entries").GetInt32());
        var tries = flaky.GetProperty("task_instances").EnumerateArray().ToList();
        Assert.Equal([(1, "up_for_retry"), (2, "success")], tries.Select(t => (t.GetProperty("try_number").GetInt32(), t.GetProperty("state").GetString())));
        foreach (var t in tries)
        {
            Assert.Equal(("ui_tries", "t1", "flaky", -1), (t.GetProperty("dag_id").GetString(), t.GetProperty("dag_run_id").GetString(), t.GetProperty("task_id").GetString(), t.GetProperty("map_index").GetInt32()));
            var (queued, started, ended) = (t.GetProperty("queued_when").GetDateTimeOffset(), t.GetProperty("start_date").GetDateTimeOffset(), t.GetProperty("end_date").GetDateTimeOffset());
            Assert.True(queued <= started && started <= ended, $"try {t.GetProperty("try_number")}: queued {queued:O}, started {started:O}, ended {ended:O}");
            Assert.Equal((ended - started).TotalSeconds, t.GetProperty("duration").GetDouble(), 3);
            Assert.Equal(1, t.GetProperty("max_tries").GetInt32());
        }

        // The retry was queued after the first try ended, its delay later.
        Assert.True(tries[1].GetProperty("queued_when").GetDateTimeOffset() >= tries[0].GetProperty("end_date").GetDateTimeOffset().AddSeconds(0.9), $"try 2 queued {tries[1].GetProperty("queued_when")} started {tries[1].GetProperty("start_date")}, try 1 started {tries[0].GetProperty("start_date")} ended {tries[0].GetProperty("end_date")}");

        // Every task instance of the run (~), a mapped instance, and what is not there.
        var (_, all) = await GetJsonAsync(client, "/api/v1/dags/ui_tries/dagRuns/t1/taskInstances/~/tries");
        Assert.Equal(
            [("flaky", -1, 1), ("flaky", -1, 2), ("each", 0, 1), ("each", 1, 1)],
            all.GetProperty("task_instances").EnumerateArray().Select(t => (t.GetProperty("task_id").GetString(), t.GetProperty("map_index").GetInt32(), t.GetProperty("try_number").GetInt32())));
        var (_, mapped) = await GetJsonAsync(client, "/api/v1/dags/ui_tries/dagRuns/t1/taskInstances/each/tries?map_index=1");
        Assert.Equal((1, "success"), (Assert.Single(mapped.GetProperty("task_instances").EnumerateArray()).GetProperty("map_index").GetInt32(), mapped.GetProperty("task_instances")[0].GetProperty("state").GetString()));
        var (paged, page) = await GetJsonAsync(client, "/api/v1/dags/ui_tries/dagRuns/t1/taskInstances/~/tries?limit=1&offset=1");
        Assert.Equal((HttpStatusCode.OK, 4, 2), (paged, page.GetProperty("total_entries").GetInt32(), page.GetProperty("task_instances")[0].GetProperty("try_number").GetInt32()));

        var (noRun, _) = await GetJsonAsync(client, "/api/v1/dags/ui_tries/dagRuns/nope/taskInstances/flaky/tries");
        var (noDag, _) = await GetJsonAsync(client, "/api/v1/dags/nope/dagRuns/t1/taskInstances/~/tries");
        var (noTask, noTaskProblem) = await GetJsonAsync(client, "/api/v1/dags/ui_tries/dagRuns/t1/taskInstances/nope/tries");
        var (unmappedIndex, _) = await GetJsonAsync(client, "/api/v1/dags/ui_tries/dagRuns/t1/taskInstances/each/tries?map_index=7");
        var (badIndex, badIndexProblem) = await GetJsonAsync(client, "/api/v1/dags/ui_tries/dagRuns/t1/taskInstances/each/tries?map_index=x");
        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.BadRequest], new[] { noRun, noDag, noTask, unmappedIndex, badIndex });
        Assert.Equal("run 't1' has no task instance 'nope'.", noTaskProblem.GetProperty("detail").GetString());
        Assert.StartsWith("map_index:", badIndexProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>The tests of <see cref="UiApiEndpointTests"/> on <c>gale serve</c>.</summary>
public sealed class UiApiEndpointTestsOnServe(AzuriteFixture azurite) : UiApiEndpointTests(azurite, HttpHost.Serve);

/// <summary>The tests of <see cref="UiApiEndpointTests"/> through the Function App's HTTP functions.</summary>
public sealed class UiApiEndpointTestsOnFunctions(AzuriteFixture azurite) : UiApiEndpointTests(azurite, HttpHost.Functions);
