using System.Net;
using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Operators;
using Gale.Storage.Engine;
using static Gale.Host.Tests.Api.ApiTestKit;

namespace Gale.Host.Tests.Api;

/// <summary>Endpoints no other test calls directly: a DAG's tasks, one task, one pool, import errors and next executions.</summary>
public abstract class ApiDagDetailTests(AzuriteFixture azurite, HttpHost host) : IClassFixture<AzuriteFixture>
{
    // Defined out of order: report first, extract last. transform_b (defined before transform_a) comes first among equals.
    private static Dag Etl() => Dag.Create("detail_etl", "@daily", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero))
        .Task("report", _ => { }, after: ["transform_a", "transform_b"], options: new TaskOptions { TriggerRule = TriggerRule.AllDone })
        .Task("transform_b", _ => { }, after: "extract", options: new TaskOptions { Retries = 3, RetryDelay = new TimeSpan(1, 2, 3, 4, 500), Pool = "narrow", PoolSlots = 2 })
        .Task("transform_a", _ => { }, after: "extract")
        .Task("extract", new ShellOperator("echo {{ ds }}"))
        .Build();

    private async Task<(WebApplication App, HttpClient Client)> StartAsync(IDagRegistry? dags = null)
    {
        var pools = await azurite.NewTableAsync();
        var services = new TaskServices { Pools = new TablePoolStore(pools), Slots = new TableSlotStore(pools) };
        var (app, client, _) = await ApiTestKit.StartAsync(azurite, dags ?? new DagBag([Etl()]), services, host: host);
        return (app, client);
    }

    private static List<string?> Ids(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString())];

    [Fact]
    public async Task ListTasks_DagDefinedOutOfOrder_ReturnsTopologicalOrderWithEdgesAndTimeDeltas()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        var answer = await GetAsync(client, "/api/v1/dags/detail_etl/tasks");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var tasks = answer.Items("tasks").ToDictionary(t => t.GetProperty("task_id").GetString()!);
        Assert.Equal(["extract", "transform_b", "transform_a", "report"], answer.Items("tasks").Select(t => t.GetProperty("task_id").GetString()));
        Assert.Equal(4, answer.Body.GetProperty("total_entries").GetInt32());
        Assert.Equal(["transform_a", "transform_b"], Ids(tasks["extract"].GetProperty("downstream_task_ids")).Order(StringComparer.Ordinal));
        Assert.Empty(tasks["extract"].GetProperty("upstream_task_ids").EnumerateArray());
        Assert.Equal(["transform_a", "transform_b"], Ids(tasks["report"].GetProperty("upstream_task_ids")).Order(StringComparer.Ordinal));
        Assert.Empty(tasks["report"].GetProperty("downstream_task_ids").EnumerateArray());
        Assert.Equal(["report"], Ids(tasks["transform_b"].GetProperty("downstream_task_ids")));
        Assert.Equal(["extract"], Ids(tasks["transform_b"].GetProperty("upstream_task_ids")));

        // retry_delay is Airflow's TimeDelta: 1 day 02:03:04.5 is 1 day, 7384 seconds, 500000 microseconds.
        var delay = tasks["transform_b"].GetProperty("retry_delay");
        Assert.Equal(("TimeDelta", 1, 7384, 500000), (delay.GetProperty("__type").GetString(), delay.GetProperty("days").GetInt32(), delay.GetProperty("seconds").GetInt32(), delay.GetProperty("microseconds").GetInt32()));
        var defaultDelay = tasks["extract"].GetProperty("retry_delay");
        Assert.Equal((0, 300, 0), (defaultDelay.GetProperty("days").GetInt32(), defaultDelay.GetProperty("seconds").GetInt32(), defaultDelay.GetProperty("microseconds").GetInt32()));
        Assert.Equal((3, "narrow", 2), (tasks["transform_b"].GetProperty("retries").GetInt32(), tasks["transform_b"].GetProperty("pool").GetString(), tasks["transform_b"].GetProperty("pool_slots").GetInt32()));
        Assert.Equal(("all_done", "all_success"), (tasks["report"].GetProperty("trigger_rule").GetString(), tasks["extract"].GetProperty("trigger_rule").GetString()));
        Assert.Equal(("shell", "delegate"), (tasks["extract"].GetProperty("operator_name").GetString(), tasks["report"].GetProperty("operator_name").GetString()));
        Assert.Contains("command", Ids(tasks["extract"].GetProperty("template_fields")));
        Assert.Empty(tasks["report"].GetProperty("template_fields").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, tasks["report"].GetProperty("execution_timeout").ValueKind);
    }

    [Fact]
    public async Task GetTask_KnownTask_ReturnsTheListedShape_UnknownTaskOrDagReturns404()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        var one = await GetAsync(client, "/api/v1/dags/detail_etl/tasks/transform_b");
        var listed = (await GetAsync(client, "/api/v1/dags/detail_etl/tasks")).Items("tasks").Single(t => t.GetProperty("task_id").GetString() == "transform_b");
        var noTask = await GetAsync(client, "/api/v1/dags/detail_etl/tasks/nope");
        var noDag = await GetAsync(client, "/api/v1/dags/nope/tasks/extract");
        var noDagList = await GetAsync(client, "/api/v1/dags/nope/tasks");

        Assert.Equal(HttpStatusCode.OK, one.Status);
        Assert.Equal(listed.GetRawText(), one.Body.GetRawText());
        AssertProblem(noTask, HttpStatusCode.NotFound);
        Assert.Contains("no task 'nope'", noTask.Detail, StringComparison.Ordinal);
        AssertProblem(noDag, HttpStatusCode.NotFound);
        Assert.Contains("'nope' is not loaded", noDag.Detail, StringComparison.Ordinal);
        AssertProblem(noDagList, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GetPool_DefaultCreatedAndUnknown_ReturnsSlotsOr404()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, HttpMethod.Post, "/api/v1/pools", AdminKey, new { name = "narrow", slots = 5, description = "few" })).Status);

        var pool = await GetAsync(client, "/api/v1/pools/narrow");
        var defaultPool = await GetAsync(client, "/api/v1/pools/default_pool");
        var missing = await GetAsync(client, "/api/v1/pools/nope");

        Assert.Equal(HttpStatusCode.OK, pool.Status);
        Assert.Equal(("narrow", 5, 0, 5, "few"), (pool.Body.GetProperty("name").GetString(), pool.Body.GetProperty("slots").GetInt32(), pool.Body.GetProperty("occupied_slots").GetInt32(), pool.Body.GetProperty("open_slots").GetInt32(), pool.Body.GetProperty("description").GetString()));
        Assert.Equal((HttpStatusCode.OK, 128), (defaultPool.Status, defaultPool.Body.GetProperty("slots").GetInt32()));
        AssertProblem(missing, HttpStatusCode.NotFound);
        Assert.Contains("'nope'", missing.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListImportErrors_RegistryWithErrors_ReturnsFilenameAndStackTrace()
    {
        var registry = new RegistryWithImportErrors([Etl()], [new DagImportError("dags/bad.yaml", "line 4: unknown operator 'bash2'", "bad_dag"), new DagImportError("dags/Broken.cs", "CS1002: ; expected")]);
        var (app, client) = await StartAsync(registry);
        await using var _ = app;
        var (cleanApp, cleanClient) = await StartAsync();
        await using var __ = cleanApp;

        var answer = await GetAsync(client, "/api/v1/importErrors");
        var clean = await GetAsync(cleanClient, "/api/v1/importErrors");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(2, answer.Body.GetProperty("total_entries").GetInt32());
        var first = answer.Items("import_errors")[0];
        Assert.Equal((1, "dags/bad.yaml", "line 4: unknown operator 'bash2'", "bad_dag"), (first.GetProperty("import_error_id").GetInt32(), first.GetProperty("filename").GetString(), first.GetProperty("stack_trace").GetString(), first.GetProperty("dag_id").GetString()));
        var second = answer.Items("import_errors")[1];
        Assert.Equal((2, "dags/Broken.cs", "CS1002: ; expected"), (second.GetProperty("import_error_id").GetInt32(), second.GetProperty("filename").GetString(), second.GetProperty("stack_trace").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("dag_id").ValueKind);
        Assert.Equal((HttpStatusCode.OK, 0), (clean.Status, clean.Body.GetProperty("total_entries").GetInt32()));
        Assert.Empty(clean.Items("import_errors"));
    }

    [Fact]
    public async Task NextExecutions_DailyDagAfterAGivenTime_ReturnsTheNextThreeIntervalsExactly()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        var answer = await GetAsync(client, "/api/v1/dags/detail_etl/nextExecutions?num_executions=3&after=2024-03-10T12:00:00Z");
        var single = await GetAsync(client, "/api/v1/dags/detail_etl/nextExecutions?after=2024-03-10T12:00:00Z");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(("detail_etl", "2024-03-10T12:00:00+00:00"), (answer.Body.GetProperty("dag_id").GetString(), answer.Body.GetProperty("after").GetString()));
        Assert.True(answer.Body.GetProperty("can_be_scheduled").GetBoolean());
        var runs = answer.Items("next_executions");
        Assert.Equal(["2024-03-10T00:00:00+00:00", "2024-03-11T00:00:00+00:00", "2024-03-12T00:00:00+00:00"], runs.Select(r => r.GetProperty("logical_date").GetString()));
        Assert.Equal(["2024-03-10T00:00:00+00:00", "2024-03-11T00:00:00+00:00", "2024-03-12T00:00:00+00:00"], runs.Select(r => r.GetProperty("data_interval_start").GetString()));
        Assert.Equal(["2024-03-11T00:00:00+00:00", "2024-03-12T00:00:00+00:00", "2024-03-13T00:00:00+00:00"], runs.Select(r => r.GetProperty("data_interval_end").GetString()));
        Assert.Equal(["2024-03-11T00:00:00+00:00", "2024-03-12T00:00:00+00:00", "2024-03-13T00:00:00+00:00"], runs.Select(r => r.GetProperty("run_after").GetString()));
        Assert.Equal("2024-03-10T00:00:00+00:00", Assert.Single(single.Items("next_executions")).GetProperty("logical_date").GetString());
    }

    [Theory]
    [InlineData("num_executions=0", "num_executions:")]
    [InlineData("num_executions=abc", "num_executions:")]
    [InlineData("num_executions=1001", "num_executions:")]
    [InlineData("after=garbage", "after:")]
    [InlineData("num_executions=2&after=2024-13-45", "after:")]
    public async Task NextExecutions_BadParameter_Returns400NamingIt(string query, string field)
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        AssertProblem(await GetAsync(client, $"/api/v1/dags/detail_etl/nextExecutions?{query}"), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task NextExecutions_UnknownDag_Returns404()
    {
        var (app, client) = await StartAsync();
        await using var _ = app;

        AssertProblem(await GetAsync(client, "/api/v1/dags/nope/nextExecutions?num_executions=3"), HttpStatusCode.NotFound, "DAG 'nope'");
    }
}

/// <summary>The tests of <see cref="ApiDagDetailTests"/> on <c>gale serve</c>.</summary>
public sealed class ApiDagDetailTestsOnServe(AzuriteFixture azurite) : ApiDagDetailTests(azurite, HttpHost.Serve);

/// <summary>The tests of <see cref="ApiDagDetailTests"/> through the Function App's HTTP functions.</summary>
public sealed class ApiDagDetailTestsOnFunctions(AzuriteFixture azurite) : ApiDagDetailTests(azurite, HttpHost.Functions);
