using System.Net;
using Gale.Assets;
using Gale.Assets.Watchers;
using Gale.Dags;
using Gale.Engine;
using Gale.Storage.Engine;
using static Gale.Host.Tests.Api.ApiTestKit;

namespace Gale.Host.Tests.Api;

/// <summary>
/// One app on Azurite with at least three items behind every list endpoint: DAGs, queued runs, task instances, XComs,
/// variables, pools, assets, asset events, watchers and import errors, served by <paramref name="host"/>. Built once
/// for the class.
/// </summary>
/// <param name="host">Which host's HTTP endpoints serve the API.</param>
public abstract class ApiPagingWorld(HttpHost host) : IAsyncLifetime
{
    public const string EventsAsset = "wasb://paging/a/";

    public HttpClient Client { get; private set; } = null!;

    private WebApplication? _app;

    public async Task InitializeAsync()
    {
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        Asset[] assets = [new(EventsAsset), new("wasb://paging/b/"), new("wasb://paging/c/")];
        var watched = Dag.Create("page_watch").ScheduleOn(assets);
        for (var i = 0; i < assets.Length; i++)
        {
            watched = watched.Watch(new BlobWatcher($"page_watcher_{i}", [assets[i]], "paging", $"p{i}/"));
        }

        Dag[] dags =
        [
            Dag.Create("page_a").Task("t", _ => { }).Build(),
            Dag.Create("page_b").Task("t", _ => { }).Build(),
            Dag.Create("page_runs").Task("t1", _ => { }).Task("t2", _ => { }).Task("t3", _ => { }, after: "t1").Build(),
            watched.Task("t", _ => { }).Build(),
        ];
        var registry = new RegistryWithImportErrors(dags,
        [
            new DagImportError("dags/broken_1.yaml", "line 3: mapping values are not allowed here", "broken_1"),
            new DagImportError("dags/broken_2.yaml", "unknown operator 'bash2'"),
            new DagImportError("dags/broken_3.yaml", "cycle detected: a -> b -> a", "broken_3"),
        ]);
        var pools = await azurite.NewTableAsync();
        var services = new TaskServices
        {
            Variables = new TableVariableStore(await azurite.NewTableAsync()),
            Pools = new TablePoolStore(pools),
            Slots = new TableSlotStore(pools),
            AssetEvents = new TableAssetEventStore(await azurite.NewTableAsync()),
            AssetQueue = new TableAssetQueue(await azurite.NewTableAsync(), await azurite.NewTableAsync()),
            Watermarks = new TableWatermarkStore(await azurite.NewTableAsync()),
        };
        var (app, client, _) = await StartAsync(azurite, registry, services, host: host);
        (_app, Client) = (app, client);

        for (var i = 1; i <= 3; i++)
        {
            await Must(HttpMethod.Post, "/api/v1/dags/page_runs/dagRuns", new { dag_run_id = $"r{i}", logical_date = $"2024-01-0{i}T00:00:00+00:00" });
            await Must(HttpMethod.Post, "/api/v1/variables", new { key = $"page_var_{i}", value = $"v{i}" });
            await Must(HttpMethod.Post, "/api/v1/pools", new { name = $"page_pool_{i}", slots = i });
            await Must(HttpMethod.Post, "/api/v1/assets/events", new { asset_uri = EventsAsset, extra = new { n = i } });
            await services.XComs.SetAsync(new Gale.Execution.XComKey("page_runs", "r1", "t1", -1, $"key_{i}"), $"{i}");
        }
    }

    private async Task Must(HttpMethod method, string path, object body)
    {
        var answer = await SendAsync(Client, method, path, AdminKey, body);
        Assert.True(answer.Status == HttpStatusCode.OK, $"{method} {path}: {(int)answer.Status} {answer.Detail}");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>limit/offset on every list endpoint: the page is the slice of the unpaged order, total_entries the full count, bad values are 400s naming the parameter.</summary>
public abstract class ApiPaginationTests(ApiPagingWorld world)
{
    // Every list endpoint of the API and the property holding its items.
    public static TheoryData<string, string> ListEndpoints => new()
    {
        { "/api/v1/dags", "dags" },
        { "/api/v1/dags/page_runs/dagRuns", "dag_runs" },
        { "/api/v1/dags/~/dagRuns", "dag_runs" },
        { "/api/v1/dags/page_runs/dagRuns/r1/taskInstances", "task_instances" },
        { "/api/v1/dags/page_runs/dagRuns/r1/taskInstances/t1/xcomEntries", "xcom_entries" },
        { "/api/v1/variables", "variables" },
        { "/api/v1/pools", "pools" },
        { "/api/v1/assets", "assets" },
        { $"/api/v1/assets/events?asset_uri={Uri.EscapeDataString(ApiPagingWorld.EventsAsset)}", "asset_events" },
        { "/api/v1/watchers", "watchers" },
        { "/api/v1/importErrors", "import_errors" },
    };

    private static string With(string path, string query) => path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;

    [Theory]
    [MemberData(nameof(ListEndpoints), MemberType = typeof(ApiPaginationTests))]
    public async Task List_Limit2Offset1_ReturnsSecondAndThirdOfTheUnpagedOrderWithFullTotal(string path, string items)
    {
        var all = await GetAsync(world.Client, path);
        var page = await GetAsync(world.Client, With(path, "limit=2&offset=1"));

        Assert.Equal(HttpStatusCode.OK, all.Status);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var unpaged = all.Items(items).Select(i => i.GetRawText()).ToList();
        Assert.True(unpaged.Count >= 3, $"{path} lists {unpaged.Count} items; the test needs 3");
        Assert.Equal(unpaged.Count, all.Body.GetProperty("total_entries").GetInt32());
        Assert.Equal(unpaged.Distinct().Count(), unpaged.Count);
        Assert.Equal(unpaged.Skip(1).Take(2), page.Items(items).Select(i => i.GetRawText()));
        Assert.Equal(unpaged.Count, page.Body.GetProperty("total_entries").GetInt32());
    }

    [Theory]
    [MemberData(nameof(ListEndpoints), MemberType = typeof(ApiPaginationTests))]
    public async Task List_LimitAtMaximumAndOffsetPastTheEnd_AreAcceptedAndKeepTheTotal(string path, string items)
    {
        var all = await GetAsync(world.Client, path);
        var total = all.Body.GetProperty("total_entries").GetInt32();

        var max = await GetAsync(world.Client, With(path, "limit=1000"));
        var past = await GetAsync(world.Client, With(path, $"offset={total}"));
        var one = await GetAsync(world.Client, With(path, "limit=1"));

        Assert.Equal((HttpStatusCode.OK, total), (max.Status, max.Items(items).Count));
        Assert.Equal((HttpStatusCode.OK, 0, total), (past.Status, past.Items(items).Count, past.Body.GetProperty("total_entries").GetInt32()));
        Assert.Equal(all.Items(items)[0].GetRawText(), Assert.Single(one.Items(items)).GetRawText());
    }

    // Paging.Read accepts limit 1..1000 and offset >= 0, whole numbers only.
    [Theory]
    [MemberData(nameof(ListEndpoints), MemberType = typeof(ApiPaginationTests))]
    public async Task List_BadLimitOrOffset_Returns400NamingTheParameter(string path, string items)
    {
        _ = items;
        foreach (var (query, field) in new[] { ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=abc", "limit"), ("limit=", "limit"), ("limit=2.5", "limit"), ("offset=-1", "offset"), ("offset=abc", "offset") })
        {
            var answer = await GetAsync(world.Client, With(path, query));

            Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{path} with {query}: {(int)answer.Status}");
            AssertProblem(answer, HttpStatusCode.BadRequest, $"{field}:");
        }
    }
}

/// <summary>The paging world served by <c>gale serve</c>'s pipeline.</summary>
public sealed class ServePagingWorld() : ApiPagingWorld(HttpHost.Serve);

/// <summary>The paging world served by the Function App's HTTP functions.</summary>
public sealed class FunctionsPagingWorld() : ApiPagingWorld(HttpHost.Functions);

/// <summary>Paging through <c>gale serve</c>.</summary>
public sealed class ApiPaginationTestsOnServe(ServePagingWorld world) : ApiPaginationTests(world), IClassFixture<ServePagingWorld>;

/// <summary>Paging through the Function App's <c>http</c> function.</summary>
public sealed class ApiPaginationTestsOnFunctions(FunctionsPagingWorld world) : ApiPaginationTests(world), IClassFixture<FunctionsPagingWorld>;
