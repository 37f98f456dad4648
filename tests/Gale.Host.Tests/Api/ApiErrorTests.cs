using System.Net;
using Gale.Dags;
using Gale.Engine;
using Gale.Storage.Engine;
using static Gale.Host.Tests.Api.ApiTestKit;

namespace Gale.Host.Tests.Api;

/// <summary>The 404s and 400s of DAGs, runs, task instances, variables, pools and asset events, each as problem JSON.</summary>
public abstract class ApiErrorTests(AzuriteFixture azurite, HttpHost host) : IClassFixture<AzuriteFixture>
{
    private async Task<(WebApplication App, HttpClient Client)> StartAsync()
    {
        var dag = Dag.Create("err_dag").Task("extract", _ => { }).Task("load", _ => { }, after: "extract").Build();
        var pools = await azurite.NewTableAsync();
        var services = new TaskServices { Variables = new TableVariableStore(await azurite.NewTableAsync()), Pools = new TablePoolStore(pools), Slots = new TableSlotStore(pools) };
        var (app, client, _) = await ApiTestKit.StartAsync(azurite, new DagBag([dag]), services, host: host);
        return (app, client);
    }

    private static async Task TriggerAsync(HttpClient client, string runId, string logicalDate)
    {
        var answer = await SendAsync(client, HttpMethod.Post, "/api/v1/dags/err_dag/dagRuns", AdminKey, new { dag_run_id = runId, logical_date = logicalDate });
        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    [Fact]
    public async Task GetDag_UnknownDag_Returns404Problem()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        AssertProblem(await GetAsync(client, "/api/v1/dags/nope"), HttpStatusCode.NotFound, "DAG 'nope' is not loaded");
    }

    [Fact]
    public async Task DagRuns_UnknownDag_ListAndTriggerReturn404()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        var list = await GetAsync(client, "/api/v1/dags/nope/dagRuns");
        var trigger = await SendAsync(client, HttpMethod.Post, "/api/v1/dags/nope/dagRuns", AdminKey, new { dag_run_id = "r1" });
        var all = await GetAsync(client, "/api/v1/dags/~/dagRuns");

        AssertProblem(list, HttpStatusCode.NotFound, "DAG 'nope'");
        AssertProblem(trigger, HttpStatusCode.NotFound, "DAG 'nope'");
        Assert.Equal((HttpStatusCode.OK, 0), (all.Status, all.Body.GetProperty("total_entries").GetInt32()));
    }

    [Theory]
    [InlineData("state=sleeping", "state:")]
    [InlineData("state=queued&state=sleeping", "state:")]
    [InlineData("order_by=nope", "order_by:")]
    [InlineData("order_by=-nope", "order_by:")]
    public async Task ListDagRuns_UnknownStateOrOrderBy_Returns400NamingTheField(string query, string field)
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        AssertProblem(await GetAsync(client, $"/api/v1/dags/err_dag/dagRuns?{query}"), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task ListDagRuns_OrderByDescendingLogicalDate_ReturnsNewestFirst()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;
        await TriggerAsync(client, "b_middle", "2024-02-02T00:00:00+00:00");
        await TriggerAsync(client, "c_oldest", "2024-02-01T00:00:00+00:00");
        await TriggerAsync(client, "a_newest", "2024-02-03T00:00:00+00:00");

        var newest = await GetAsync(client, "/api/v1/dags/err_dag/dagRuns?order_by=-logical_date");
        var oldest = await GetAsync(client, "/api/v1/dags/err_dag/dagRuns");
        var byId = await GetAsync(client, "/api/v1/dags/err_dag/dagRuns?order_by=-dag_run_id");

        Assert.Equal(["a_newest", "b_middle", "c_oldest"], newest.Items("dag_runs").Select(r => r.GetProperty("dag_run_id").GetString()));
        Assert.Equal(["c_oldest", "b_middle", "a_newest"], oldest.Items("dag_runs").Select(r => r.GetProperty("dag_run_id").GetString()));
        Assert.Equal(["c_oldest", "b_middle", "a_newest"], byId.Items("dag_runs").Select(r => r.GetProperty("dag_run_id").GetString()));
    }

    [Fact]
    public async Task TaskInstances_UnknownRunOrTask_Return404()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;
        await TriggerAsync(client, "r1", "2024-02-01T00:00:00+00:00");

        var noRunList = await GetAsync(client, "/api/v1/dags/err_dag/dagRuns/nope/taskInstances");
        var noDagList = await GetAsync(client, "/api/v1/dags/nope/dagRuns/r1/taskInstances");
        var noTask = await GetAsync(client, "/api/v1/dags/err_dag/dagRuns/r1/taskInstances/nope");
        var noMapIndex = await GetAsync(client, "/api/v1/dags/err_dag/dagRuns/r1/taskInstances/extract?map_index=3");
        var patchNoTask = await SendAsync(client, HttpMethod.Patch, "/api/v1/dags/err_dag/dagRuns/r1/taskInstances/nope", AdminKey, new { new_state = "success" });
        var patchNoRun = await SendAsync(client, HttpMethod.Patch, "/api/v1/dags/err_dag/dagRuns/nope/taskInstances/extract", AdminKey, new { new_state = "success" });
        var listed = await GetAsync(client, "/api/v1/dags/err_dag/dagRuns/r1/taskInstances");

        AssertProblem(noRunList, HttpStatusCode.NotFound, "DAG 'err_dag' has no run 'nope'");
        AssertProblem(noDagList, HttpStatusCode.NotFound);
        AssertProblem(noTask, HttpStatusCode.NotFound, "run 'r1' has no task instance 'nope'");
        AssertProblem(noMapIndex, HttpStatusCode.NotFound, "run 'r1' has no task instance 'extract' [3]");
        AssertProblem(patchNoTask, HttpStatusCode.NotFound, "run 'r1' has no task instance 'nope'");
        AssertProblem(patchNoRun, HttpStatusCode.NotFound, "DAG 'err_dag' has no run 'nope'");
        Assert.Equal(["extract", "load"], listed.Items("task_instances").Select(t => t.GetProperty("task_id").GetString()));
        Assert.All(listed.Items("task_instances"), t => Assert.Equal(System.Text.Json.JsonValueKind.Null, t.GetProperty("state").ValueKind)); // nothing was marked
    }

    [Fact]
    public async Task ClearTaskInstances_UnknownDagOrRun_Returns404_MissingRunId_Returns400()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;
        await TriggerAsync(client, "r1", "2024-02-01T00:00:00+00:00");

        var noDag = await SendAsync(client, HttpMethod.Post, "/api/v1/dags/nope/clearTaskInstances", AdminKey, new { dag_run_id = "r1" });
        var noRun = await SendAsync(client, HttpMethod.Post, "/api/v1/dags/err_dag/clearTaskInstances", AdminKey, new { dag_run_id = "nope", dry_run = true });
        var noRunId = await SendAsync(client, HttpMethod.Post, "/api/v1/dags/err_dag/clearTaskInstances", AdminKey, new { task_ids = new[] { "extract" } });
        var numberRunId = await SendAsync(client, HttpMethod.Post, "/api/v1/dags/err_dag/clearTaskInstances", AdminKey, new { dag_run_id = 1 });

        AssertProblem(noDag, HttpStatusCode.NotFound, "DAG 'nope' is not loaded");
        AssertProblem(noRun, HttpStatusCode.NotFound, "DAG 'err_dag' has no run 'nope'");
        AssertProblem(noRunId, HttpStatusCode.BadRequest, "dag_run_id:");
        AssertProblem(numberRunId, HttpStatusCode.BadRequest, "dag_run_id:");
    }

    // A mistyped field must not fall back to a default: task_ids "extract" is not "every task", dry_run "yes" is not false.
    [Theory]
    [InlineData("""{"dag_run_id": "r1", "task_ids": "extract"}""", "task_ids:")]
    [InlineData("""{"dag_run_id": "r1", "task_ids": [1]}""", "task_ids:")]
    [InlineData("""{"dag_run_id": "r1", "task_ids": ["extract", null]}""", "task_ids:")]
    [InlineData("""{"dag_run_id": "r1", "task_ids": ["extract"], "dry_run": "yes"}""", "dry_run:")]
    [InlineData("""{"dag_run_id": "r1", "task_ids": ["extract"], "only_failed": 0}""", "only_failed:")]
    [InlineData("""{"dag_run_id": "r1", "task_ids": ["extract"], "include_downstream": "true"}""", "include_downstream:")]
    [InlineData("""{"dag_run_id": "r1", "task_ids": ["extract"], "include_upstream": null}""", "include_upstream:")]
    public async Task ClearTaskInstances_MistypedField_Returns400NamingItAndClearsNothing(string body, string field)
    {
        var (app, client) = await StartAsync();
        await using var _ = app;
        await TriggerAsync(client, "r1", "2024-02-01T00:00:00+00:00");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Patch, "/api/v1/dags/err_dag/dagRuns/r1/taskInstances/extract", AdminKey, new { new_state = "success" })).Status);

        var answer = await SendAsync(client, HttpMethod.Post, "/api/v1/dags/err_dag/clearTaskInstances", AdminKey, body);
        var extract = await GetAsync(client, "/api/v1/dags/err_dag/dagRuns/r1/taskInstances/extract");

        AssertProblem(answer, HttpStatusCode.BadRequest, field);
        Assert.Equal("success", extract.Body.GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("""{"new_state": "failed", "dry_run": "yes"}""")]
    [InlineData("""{"new_state": "failed", "dry_run": 1}""")]
    public async Task PatchTaskInstance_NonBooleanDryRun_Returns400AndMarksNothing(string body)
    {
        var (app, client) = await StartAsync();
        await using var _ = app;
        await TriggerAsync(client, "r1", "2024-02-01T00:00:00+00:00");

        var answer = await SendAsync(client, HttpMethod.Patch, "/api/v1/dags/err_dag/dagRuns/r1/taskInstances/extract", AdminKey, body);
        var extract = await GetAsync(client, "/api/v1/dags/err_dag/dagRuns/r1/taskInstances/extract");

        AssertProblem(answer, HttpStatusCode.BadRequest, "dry_run:");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, extract.Body.GetProperty("state").ValueKind);
    }

    [Theory]
    [InlineData("""{"key": "other", "value": "x"}""", "key:")]
    [InlineData("""{"value": 5}""", "value:")]
    [InlineData("""{"value": null}""", "value:")]
    [InlineData("""{"description": "no value"}""", "value:")]
    public async Task PatchVariable_MismatchingKeyOrNonStringValue_Returns400NamingTheFieldAndKeepsTheValue(string body, string field)
    {
        var (app, client) = await StartAsync();
        await using var _ = app;
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Post, "/api/v1/variables", AdminKey, new { key = "region", value = "westeurope" })).Status);

        var answer = await SendAsync(client, HttpMethod.Patch, "/api/v1/variables/region", AdminKey, body);
        var after = await GetAsync(client, "/api/v1/variables/region");

        AssertProblem(answer, HttpStatusCode.BadRequest, field);
        Assert.Equal("westeurope", after.Body.GetProperty("value").GetString());
    }

    [Fact]
    public async Task PatchVariable_UnknownKey_Returns404AndCreatesNothing()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        var answer = await SendAsync(client, HttpMethod.Patch, "/api/v1/variables/nope", AdminKey, new { value = "x" });
        var after = await GetAsync(client, "/api/v1/variables/nope");

        AssertProblem(answer, HttpStatusCode.NotFound, "variable 'nope' does not exist");
        AssertProblem(after, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"slots": -1}""")]
    [InlineData("""{"slots": "4"}""")]
    [InlineData("""{"slots": 1.5}""")]
    [InlineData("""{"slots": null}""")]
    [InlineData("""{"slots": 3000000000}""")]
    public async Task PatchPool_BadSlots_Returns400NamingSlotsAndKeepsThePool(string body)
    {
        var (app, client) = await StartAsync();
        await using var _ = app;
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Post, "/api/v1/pools", AdminKey, new { name = "narrow", slots = 4 })).Status);

        var answer = await SendAsync(client, HttpMethod.Patch, "/api/v1/pools/narrow", AdminKey, body);
        var after = await GetAsync(client, "/api/v1/pools/narrow");

        AssertProblem(answer, HttpStatusCode.BadRequest, "slots:");
        Assert.Equal(4, after.Body.GetProperty("slots").GetInt32());
    }

    [Fact]
    public async Task PatchPool_UnknownPoolOrMismatchingName_Returns404Or400()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Post, "/api/v1/pools", AdminKey, new { name = "narrow", slots = 4 })).Status);

        var unknown = await SendAsync(client, HttpMethod.Patch, "/api/v1/pools/nope", AdminKey, new { slots = 2 });
        var mismatch = await SendAsync(client, HttpMethod.Patch, "/api/v1/pools/narrow", AdminKey, new { name = "wide", slots = 2 });
        var created = await GetAsync(client, "/api/v1/pools/nope");

        AssertProblem(unknown, HttpStatusCode.NotFound, "pool 'nope' does not exist");
        AssertProblem(mismatch, HttpStatusCode.BadRequest, "name:");
        AssertProblem(created, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/api/v1/variables/nope", "variable 'nope' does not exist")]
    [InlineData("/api/v1/pools/nope", "pool 'nope' does not exist")]
    public async Task Delete_UnknownVariableOrPool_Returns404(string path, string detail)
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        AssertProblem(await SendAsync(client, HttpMethod.Delete, path), HttpStatusCode.NotFound, detail);
    }

    // docs/api.md lists GET /assets/events?asset_uri: events are listed per asset, so the parameter is required.
    [Theory]
    [InlineData("/api/v1/assets/events")]
    [InlineData("/api/v1/assets/events?asset_uri=")]
    [InlineData("/api/v1/assets/events?asset_uri=%20")]
    public async Task ListAssetEvents_WithoutAssetUri_Returns400NamingAssetUri(string path)
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        AssertProblem(await GetAsync(client, path), HttpStatusCode.BadRequest, "asset_uri:");
    }

    [Theory]
    [InlineData("POST", "/api/v1/variables")]
    [InlineData("POST", "/api/v1/pools")]
    [InlineData("POST", "/api/v1/dags/err_dag/dagRuns")]
    [InlineData("PATCH", "/api/v1/variables/region")]
    [InlineData("PATCH", "/api/v1/pools/default_pool")]
    public async Task Write_MalformedJsonBody_Returns400NamingBody(string method, string path)
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        var malformed = await SendAsync(client, new HttpMethod(method), path, AdminKey, "{");
        var notAnObject = await SendAsync(client, new HttpMethod(method), path, AdminKey, "[1, 2]");

        AssertProblem(malformed, HttpStatusCode.BadRequest, "body: not valid JSON");
        AssertProblem(notAnObject, HttpStatusCode.BadRequest, "body: must be a JSON object");
    }
}

/// <summary>The tests of <see cref="ApiErrorTests"/> on <c>gale serve</c>.</summary>
public sealed class ApiErrorTestsOnServe(AzuriteFixture azurite) : ApiErrorTests(azurite, HttpHost.Serve);

/// <summary>The tests of <see cref="ApiErrorTests"/> through the Function App's HTTP functions.</summary>
public sealed class ApiErrorTestsOnFunctions(AzuriteFixture azurite) : ApiErrorTests(azurite, HttpHost.Functions);
