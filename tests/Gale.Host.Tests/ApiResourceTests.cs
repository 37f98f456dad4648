using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Host.Api;
using Gale.Storage.Engine;

namespace Gale.Host.Tests;

/// <summary>Variables, pools and backfills through the REST API on Azurite.</summary>
public abstract class ApiResourceTests(AzuriteFixture azurite, HttpHost host) : IClassFixture<AzuriteFixture>
{
    private const string Key = "admin-key-0123456789";

    private async Task<(WebApplication App, HttpClient Client, IRunReader Runs)> StartAsync()
    {
        var dag = Dag.Create("api_daily", "@daily", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero))
            .With(s => s with { Params = new Dictionary<string, DagParam> { ["limit"] = DagParam.WithDefault(1, ParamType.Integer) } })
            .Task("t", _ => { })
            .Build();
        var dags = new DagBag([dag]);
        var pools = await azurite.NewTableAsync();
        var services = new TaskServices { Variables = new TableVariableStore(await azurite.NewTableAsync()), Pools = new TablePoolStore(pools), Slots = new TableSlotStore(pools) };
        var (api, hub) = await Api.ApiTestKit.ContextAsync(azurite, dags, $"{Key}:admin", services);
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, api, hub, host);
        client.DefaultRequestHeaders.Add(ApiKeys.Header, Key);
        return (app, client, api.Runs);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Variables_Crud_MasksSensitiveValuesAndNamesBadFields()
    {
        var (app, client, _) = await StartAsync();
        await using var _ = app;

        var (created, _) = await SendAsync(client, HttpMethod.Post, "/api/v1/variables", new { key = "region", value = "westeurope", description = "where" });
        await SendAsync(client, HttpMethod.Post, "/api/v1/variables", new { key = "api_token", value = "tok-123456" });
        var (patched, body) = await SendAsync(client, HttpMethod.Patch, "/api/v1/variables/region", new { value = "northeurope" });
        var (_, list) = await SendAsync(client, HttpMethod.Get, "/api/v1/variables");
        var (bad, badBody) = await SendAsync(client, HttpMethod.Post, "/api/v1/variables", new { key = "x" });
        var (deleted, _) = await SendAsync(client, HttpMethod.Delete, "/api/v1/variables/region");
        var (gone, _) = await SendAsync(client, HttpMethod.Get, "/api/v1/variables/region");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (created, patched));
        Assert.Equal("northeurope", body.GetProperty("value").GetString());
        var values = list.GetProperty("variables").EnumerateArray().ToDictionary(v => v.GetProperty("key").GetString()!, v => v.GetProperty("value").GetString());
        Assert.Equal(("northeurope", "***"), (values["region"], values["api_token"]));
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.StartsWith("value:", badBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (deleted, gone));
    }

    [Fact]
    public async Task Pools_Crud_DefaultPoolAlwaysListedAndUndeletable()
    {
        var (app, client, _) = await StartAsync();
        await using var _ = app;

        var (created, pool) = await SendAsync(client, HttpMethod.Post, "/api/v1/pools", new { name = "api_narrow", slots = 4 });
        var (resized, resizedBody) = await SendAsync(client, HttpMethod.Patch, "/api/v1/pools/api_narrow", new { slots = 2 });
        var (_, list) = await SendAsync(client, HttpMethod.Get, "/api/v1/pools");
        var (bad, badBody) = await SendAsync(client, HttpMethod.Post, "/api/v1/pools", new { name = "p", slots = -1 });
        var (defaultDelete, _) = await SendAsync(client, HttpMethod.Delete, "/api/v1/pools/default_pool");
        var (deleted, _) = await SendAsync(client, HttpMethod.Delete, "/api/v1/pools/api_narrow");

        Assert.Equal((HttpStatusCode.OK, 4, 4), (created, pool.GetProperty("slots").GetInt32(), pool.GetProperty("open_slots").GetInt32()));
        Assert.Equal((HttpStatusCode.OK, 2), (resized, resizedBody.GetProperty("slots").GetInt32()));
        Assert.Equal(["default_pool", "api_narrow"], list.GetProperty("pools").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.StartsWith("slots:", badBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.NoContent), (defaultDelete, deleted));
    }

    [Fact]
    public async Task Backfills_DryRunThenCreate_QueuesBackfillRunsAndRejectsBadConfBeforeCreatingAny()
    {
        var (app, client, runs) = await StartAsync();
        await using var _ = app;

        var (dryStatus, dry) = await SendAsync(client, HttpMethod.Post, "/api/v1/backfills", new { dag_id = "api_daily", from_date = "2024-02-01", to_date = "2024-02-03", dry_run = true });
        var (badStatus, bad) = await SendAsync(client, HttpMethod.Post, "/api/v1/backfills", new { dag_id = "api_daily", from_date = "2024-02-01", to_date = "2024-02-03", dag_run_conf = new { limit = "x" } });
        var countAfterBad = 0;
        await foreach (var run in runs.ListRunsAsync("api_daily"))
        {
            countAfterBad++;
        }

        var (status, created) = await SendAsync(client, HttpMethod.Post, "/api/v1/backfills", new { dag_id = "api_daily", from_date = "2024-02-01", to_date = "2024-02-03", run_backwards = true, dag_run_conf = new { limit = 7 } });
        var (_, list) = await SendAsync(client, HttpMethod.Get, "/api/v1/dags/api_daily/dagRuns");
        var (missing, missingBody) = await SendAsync(client, HttpMethod.Post, "/api/v1/backfills", new { dag_id = "api_daily", to_date = "2024-02-03" });

        Assert.Equal(HttpStatusCode.OK, dryStatus);
        Assert.Equal(3, dry.GetProperty("total_entries").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.StartsWith("dag_run_conf:", bad.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, countAfterBad);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["backfill__2024-02-03T00:00:00+00:00", "backfill__2024-02-02T00:00:00+00:00", "backfill__2024-02-01T00:00:00+00:00"], created.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("dag_run_id").GetString()));
        var listed = list.GetProperty("dag_runs").EnumerateArray().ToList();
        Assert.Equal(3, listed.Count);
        Assert.All(listed, r => Assert.Equal(("backfill", "queued", 7), (r.GetProperty("run_type").GetString(), r.GetProperty("state").GetString(), r.GetProperty("conf").GetProperty("limit").GetInt32())));
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.StartsWith("from_date:", missingBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>The tests of <see cref="ApiResourceTests"/> on <c>gale serve</c>.</summary>
public sealed class ApiResourceTestsOnServe(AzuriteFixture azurite) : ApiResourceTests(azurite, HttpHost.Serve);

/// <summary>The tests of <see cref="ApiResourceTests"/> through the Function App's HTTP functions.</summary>
public sealed class ApiResourceTestsOnFunctions(AzuriteFixture azurite) : ApiResourceTests(azurite, HttpHost.Functions);
