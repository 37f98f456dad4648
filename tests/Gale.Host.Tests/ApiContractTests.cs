using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Host.Api;
using Gale.Storage.Engine;

namespace Gale.Host.Tests;

/// <summary>The REST API's contract on an in-process server over Azurite: auth, paging, problems, DAGs and runs.</summary>
public abstract class ApiContractTests(AzuriteFixture azurite, HttpHost host) : IClassFixture<AzuriteFixture>
{
    private const string AdminKey = "admin-key-0123456789";
    private const string ReadKey = "read-key-0123456789ab";

    private async Task<(WebApplication App, HttpClient Client)> StartAsync(string keys = $"{AdminKey}:admin,{ReadKey}:read")
    {
        var dags = new DagBag(Enumerable.Range(0, 5).Select(i => Dag.Create($"api_dag_{i}", i == 0 ? "@daily" : null, new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero))
            .With(s => s with { Tags = i % 2 == 0 ? ["even"] : ["odd"], Params = i == 1 ? new Dictionary<string, DagParam> { ["limit"] = DagParam.WithDefault(1, ParamType.Integer) } : new Dictionary<string, DagParam>() })
            .Task("t", _ => { })
            .Build()));
        var (api, hub) = await Api.ApiTestKit.ContextAsync(azurite, dags, keys);
        return await GaleTestHost.StartAsync(azurite.Account, api, hub, host);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? key, object? body = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (key is not null)
        {
            request.Headers.Add(ApiKeys.Header, key);
        }

        if (body is not null)
        {
            request.Content = body is string text ? new StringContent(text, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body);
        }

        return request;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone(), response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData(null, "GET", HttpStatusCode.Unauthorized)]
    [InlineData("wrong-key-0123456789", "GET", HttpStatusCode.Unauthorized)]
    [InlineData(ReadKey, "GET", HttpStatusCode.OK)]
    [InlineData(ReadKey, "PATCH", HttpStatusCode.Forbidden)]
    [InlineData(AdminKey, "PATCH", HttpStatusCode.OK)]
    public async Task Auth_KeysAndRoles_DecideAccessWithProblemJson(string? key, string method, HttpStatusCode expected)
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        var (status, body, type) = await SendAsync(client, Request(new HttpMethod(method), "/api/v1/dags/api_dag_0", key, method == "PATCH" ? new { is_paused = true } : null));

        Assert.Equal(expected, status);
        if (status != HttpStatusCode.OK)
        {
            Assert.Equal("application/problem+json", type);
            Assert.Equal((int)expected, body.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(body.GetProperty("detail").GetString()));
        }
    }

    [Fact]
    public async Task Auth_NoKeysConfigured_EverythingButHealthIsClosed()
    {
        var (app, client) = await StartAsync(keys: string.Empty);
        await using var _ = app;

        var (dagsStatus, dagsBody, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/dags", AdminKey));
        using var health = await client.GetAsync(new Uri("/api/v1/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, dagsStatus);
        Assert.Contains(ApiKeys.SettingName, dagsBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(HttpStatusCode.Unauthorized, health.StatusCode);
    }

    [Fact]
    public async Task ListDags_LimitOffsetAndTags_PagesWithTotalEntries()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        var (status, page, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/dags?limit=2&offset=1", ReadKey));
        var (_, even, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/dags?tags=even", ReadKey));
        var (badStatus, bad, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/dags?limit=0", ReadKey));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(5, page.GetProperty("total_entries").GetInt32());
        Assert.Equal(["api_dag_1", "api_dag_2"], page.GetProperty("dags").EnumerateArray().Select(d => d.GetProperty("dag_id").GetString()));
        Assert.Equal(3, even.GetProperty("total_entries").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.StartsWith("limit:", bad.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PatchDag_IsPaused_IsStoredAndBadBodiesNameTheField()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        var (status, patched, _) = await SendAsync(client, Request(HttpMethod.Patch, "/api/v1/dags/api_dag_0", AdminKey, new { is_paused = true }));
        var (_, got, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/dags/api_dag_0", ReadKey));
        var (s1, b1, _) = await SendAsync(client, Request(HttpMethod.Patch, "/api/v1/dags/api_dag_0", AdminKey, new { is_paused = "yes" }));
        var (s2, b2, _) = await SendAsync(client, Request(HttpMethod.Patch, "/api/v1/dags/api_dag_0", AdminKey, new { description = "x" }));
        var (s3, b3, _) = await SendAsync(client, Request(HttpMethod.Patch, "/api/v1/dags/api_dag_0", AdminKey, "{not json"));
        var (s4, _, _) = await SendAsync(client, Request(HttpMethod.Patch, "/api/v1/dags/nope", AdminKey, new { is_paused = true }));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(patched.GetProperty("is_paused").GetBoolean());
        Assert.True(got.GetProperty("is_paused").GetBoolean());
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.NotFound), (s1, s2, s3, s4));
        Assert.StartsWith("is_paused:", b1.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("description:", b2.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("body:", b3.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TriggerDagRun_ConfAndLogicalDate_CreatesQueuedRunListedAndGettable()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        var (status, run, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/dags/api_dag_1/dagRuns", AdminKey, new { dag_run_id = "api_run_1", logical_date = "2024-05-01T06:00:00+00:00", conf = new { limit = 3 } }));
        var (dupStatus, _, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/dags/api_dag_1/dagRuns", AdminKey, new { dag_run_id = "api_run_1" }));
        var (confStatus, confBody, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/dags/api_dag_1/dagRuns", AdminKey, new { conf = new { limit = "many" } }));
        var (fieldStatus, fieldBody, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/dags/api_dag_1/dagRuns", AdminKey, new { state = "success" }));
        var (_, list, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/dags/api_dag_1/dagRuns?state=queued", ReadKey));
        var (_, all, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/dags/~/dagRuns", ReadKey));
        var (getStatus, got, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/dags/api_dag_1/dagRuns/api_run_1", ReadKey));
        var (missing, _, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/dags/api_dag_1/dagRuns/none", ReadKey));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("api_run_1", "queued", "manual", 3), (run.GetProperty("dag_run_id").GetString(), run.GetProperty("state").GetString(), run.GetProperty("run_type").GetString(), run.GetProperty("conf").GetProperty("limit").GetInt32()));
        Assert.Equal("2024-05-01T06:00:00+00:00", run.GetProperty("logical_date").GetString());
        Assert.Equal(HttpStatusCode.Conflict, dupStatus);
        Assert.Equal(HttpStatusCode.BadRequest, confStatus);
        Assert.Contains("limit", confBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, fieldStatus);
        Assert.StartsWith("state: unknown field", fieldBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, list.GetProperty("total_entries").GetInt32());
        Assert.True(all.GetProperty("total_entries").GetInt32() >= 1);
        Assert.Equal((HttpStatusCode.OK, "api_run_1"), (getStatus, got.GetProperty("dag_run_id").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, missing);
    }

    [Fact]
    public async Task RaiseEvent_BodyIsTheData_KeptOnTheRunAndBadInputNamesTheField()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;
        await SendAsync(client, Request(HttpMethod.Post, "/api/v1/dags/api_dag_2/dagRuns", AdminKey, new { dag_run_id = "evt_run" }));

        var (status, sent, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/dags/api_dag_2/dagRuns/evt_run/events/Approve", AdminKey, new { ok = true }));
        var (badName, badNameBody, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/dags/api_dag_2/dagRuns/evt_run/events/no%20spaces", AdminKey));
        var (badData, badDataBody, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/dags/api_dag_2/dagRuns/evt_run/events/x", AdminKey, "{not json"));
        var (readOnly, _, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/dags/api_dag_2/dagRuns/evt_run/events/x", ReadKey));
        var (missing, _, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/dags/api_dag_2/dagRuns/nope/events/x", AdminKey));

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.True(sent.GetProperty("data").GetProperty("ok").GetBoolean());
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (badName, badData));
        Assert.StartsWith("name:", badNameBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("data: not valid JSON", badDataBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.NotFound), (readOnly, missing));
    }

    [Fact]
    public async Task Assets_ListFromOutletsAndInlets_EventsPostedListedAndBadBodiesNameTheField()
    {
        var sales = new Gale.Assets.Asset("wasb://warehouse/sales/", "sales");
        var dags = new DagBag([
            Dag.Create("producer").Task("load", _ => { }, options: new TaskOptions { Outlets = [sales] }).Build(),
            Dag.Create("consumer").Task("report", _ => { }, options: new TaskOptions { Inlets = [sales, new Gale.Assets.Asset("wasb://landing/fx/")] }).Build(),
        ]);
        var services = new TaskServices { AssetEvents = new TableAssetEventStore(await azurite.NewTableAsync()) };
        var (api, hub) = await Api.ApiTestKit.ContextAsync(azurite, dags, $"{AdminKey}:admin,{ReadKey}:read", services);
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, api, hub, host);
        await using var _ = app;

        var (_, list, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/assets", ReadKey));
        var (postStatus, posted, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/assets/events", AdminKey, new { asset_uri = sales.Uri, extra = new { rows = 7 } }));
        var (badUri, badUriBody, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/assets/events", AdminKey, new { asset_uri = "has space" }));
        var (badExtra, badExtraBody, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/assets/events", AdminKey, new { asset_uri = sales.Uri, extra = new[] { 1 } }));
        var (unknown, unknownBody, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/assets/events", AdminKey, new { asset_uri = sales.Uri, dataset = "x" }));
        var (readOnly, _, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/assets/events", ReadKey, new { asset_uri = sales.Uri }));
        var (_, events, _) = await SendAsync(client, Request(HttpMethod.Get, $"/api/v1/assets/events?asset_uri={Uri.EscapeDataString(sales.Uri)}", ReadKey));

        Assert.Equal(2, list.GetProperty("total_entries").GetInt32());
        var first = list.GetProperty("assets")[0];
        Assert.Equal(("wasb://landing/fx/", "consumer.report"), (first.GetProperty("uri").GetString(), first.GetProperty("consuming_tasks")[0].GetString()));
        Assert.Equal("producer.load", list.GetProperty("assets")[1].GetProperty("producing_tasks")[0].GetString());
        Assert.Equal(HttpStatusCode.OK, postStatus);
        Assert.Equal(("api", 7), (posted.GetProperty("source").GetString(), posted.GetProperty("extra").GetProperty("rows").GetInt32()));
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (badUri, badExtra, unknown));
        Assert.StartsWith("asset_uri:", badUriBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("extra: must be a JSON object", badExtraBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("dataset: unknown field", unknownBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, readOnly);
        Assert.Equal(1, events.GetProperty("total_entries").GetInt32());
        Assert.Equal(posted.GetProperty("id").GetString(), events.GetProperty("asset_events")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Watchers_ListShowReset_PostedEventTriggersTheConsumer_UpstreamAssetEventsListsIt()
    {
        var sales = new Gale.Assets.Asset("wasb://landing/sales/", "sales");
        var watcher = new Gale.Assets.Watchers.BlobWatcher("landing_files", [sales], "landing", "sales/");
        var dag = Dag.Create("consumer").ScheduleOn(sales).Watch(watcher).Task("t", _ => { }).Build();
        var dags = new DagBag([dag]);
        var services = new TaskServices
        {
            AssetEvents = new TableAssetEventStore(await azurite.NewTableAsync()),
            AssetQueue = new TableAssetQueue(await azurite.NewTableAsync(), await azurite.NewTableAsync()),
            Watermarks = new TableWatermarkStore(await azurite.NewTableAsync()),
        };
        var (api, hub) = await Api.ApiTestKit.ContextAsync(azurite, dags, $"{AdminKey}:admin,{ReadKey}:read", services);
        var runs = api.Runs;
        var scheduler = new Gale.Scheduling.Scheduler(api.Engine, dags, api.DagStates, runs, new Gale.Scheduling.SchedulerOptions { Interval = Timeout.InfiniteTimeSpan }, assetQueue: services.AssetQueue);
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, api with { Scheduler = scheduler }, hub, host);
        await using var _ = app;

        var (_, posted, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/assets/events", AdminKey, new { asset_uri = sales.Uri, extra = new { file = "a.csv" } }));
        await scheduler.TickAsync();
        var run = await FirstRunAsync(runs, "consumer");
        var (upstreamStatus, upstream, _) = await SendAsync(client, Request(HttpMethod.Get, $"/api/v1/dags/consumer/dagRuns/{Uri.EscapeDataString(run.RunId)}/upstreamAssetEvents", ReadKey));
        var (noRun, _, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/dags/consumer/dagRuns/nope/upstreamAssetEvents", ReadKey));
        var (_, list, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/watchers?limit=1", ReadKey));
        var (_, shown, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/watchers/landing_files", ReadKey));
        var (missing, missingBody, _) = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/watchers/nope", ReadKey));
        var (readOnlyReset, _, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/watchers/landing_files/reset", ReadKey, new { }));
        var (badSince, badSinceBody, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/watchers/landing_files/reset", AdminKey, new { since = "yesterday" }));
        var (unknownField, unknownBody, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/watchers/landing_files/reset", AdminKey, new { from = "x" }));
        var (resetStatus, reset, _) = await SendAsync(client, Request(HttpMethod.Post, "/api/v1/watchers/landing_files/reset", AdminKey, new { since = "2026-11-01T00:00:00Z" }));

        Assert.Equal(Gale.Runs.DagRunType.AssetTriggered, run.RunType);
        Assert.Equal(HttpStatusCode.OK, upstreamStatus);
        Assert.Equal(posted.GetProperty("id").GetString(), upstream.GetProperty("asset_events")[0].GetProperty("id").GetString());
        Assert.Equal("a.csv", upstream.GetProperty("asset_events")[0].GetProperty("extra").GetProperty("file").GetString());
        Assert.Equal(HttpStatusCode.NotFound, noRun);
        Assert.Equal(1, list.GetProperty("total_entries").GetInt32());
        Assert.Equal(("landing_files", "blob", "landing/sales/"), (shown.GetProperty("name").GetString(), shown.GetProperty("type").GetString(), shown.GetProperty("source").GetString()));
        Assert.Equal("consumer", shown.GetProperty("dag_ids")[0].GetString());
        Assert.Equal(0, shown.GetProperty("watermark").GetProperty("epoch").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Contains("no watcher is named 'nope'", missingBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, readOnlyReset);
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (badSince, unknownField));
        Assert.StartsWith("since:", badSinceBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("from: unknown field", unknownBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, resetStatus);
        Assert.Equal(1, reset.GetProperty("watermark").GetProperty("epoch").GetInt32());
        Assert.StartsWith("2026-11-01T00:00:00", reset.GetProperty("watermark").GetProperty("values").GetProperty("at").GetString(), StringComparison.Ordinal);
    }

    private static async Task<Gale.Runs.DagRun> FirstRunAsync(IRunReader runs, string dagId)
    {
        await foreach (var run in runs.ListRunsAsync(dagId))
        {
            return run;
        }

        throw new InvalidOperationException($"no run of {dagId}");
    }
}

/// <summary>The tests of <see cref="ApiContractTests"/> on <c>gale serve</c>.</summary>
public sealed class ApiContractTestsOnServe(AzuriteFixture azurite) : ApiContractTests(azurite, HttpHost.Serve);

/// <summary>The tests of <see cref="ApiContractTests"/> through the Function App's HTTP functions.</summary>
public sealed class ApiContractTestsOnFunctions(AzuriteFixture azurite) : ApiContractTests(azurite, HttpHost.Functions);
