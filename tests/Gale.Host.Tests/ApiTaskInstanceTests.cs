using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Host.Api;
using Gale.Operators;

namespace Gale.Host.Tests;

/// <summary>Task instance endpoints against a running engine on Azurite: a run triggered through the API finishes, its logs and rendered fields are served, and a clear reruns a task.</summary>
public abstract class ApiTaskInstanceTests(AzuriteFixture azurite, HttpHost host) : IClassFixture<AzuriteFixture>
{
    private const string Key = "admin-key-0123456789";

    [Fact]
    public async Task TriggeredRun_TaskInstancesLogsRenderedFieldsAndClear_ServedAsAirflowShapes()
    {
        var dag = Dag.Create("api_ti")
            .Task("extract", new ShellOperator("echo extracted {{ ds }}"))
            .Task("load", async ctx =>
            {
                ctx.Masker.Add("s3cr3t-token-value");
                await ctx.XCom.PushAsync("auth", new { token = "s3cr3t-token-value", user = "ana" });
                return "loaded";
            }, after: "extract")
            .Build();
        var (host, app, client) = await StartAsync(dag);
        await using var engine = host;
        await using var _ = app;

        using var trigger = await client.PostAsJsonAsync(new Uri("/api/v1/dags/api_ti/dagRuns", UriKind.Relative), new { dag_run_id = "r1", logical_date = "2024-02-03" });
        Assert.Equal(HttpStatusCode.OK, trigger.StatusCode);
        JsonElement run = default;
        for (var i = 0; i < 150; i++)
        {
            run = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1", UriKind.Relative))).RootElement.Clone();
            if (run.GetProperty("state").GetString() == "success")
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal("success", run.GetProperty("state").GetString());
        var list = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances", UriKind.Relative))).RootElement;
        Assert.Equal(2, list.GetProperty("total_entries").GetInt32());
        Assert.Equal(["extract", "load"], list.GetProperty("task_instances").EnumerateArray().Select(t => t.GetProperty("task_id").GetString()));
        Assert.All(list.GetProperty("task_instances").EnumerateArray(), t => Assert.Equal(("success", 1), (t.GetProperty("state").GetString(), t.GetProperty("try_number").GetInt32())));

        var extract = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances/extract", UriKind.Relative))).RootElement;
        Assert.Equal("echo extracted 2024-02-03", extract.GetProperty("rendered_fields").GetProperty("command").GetString());
        Assert.Equal("shell", extract.GetProperty("operator").GetString());

        var log = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances/extract/logs/1", UriKind.Relative))).RootElement;
        Assert.Contains("extracted 2024-02-03", log.GetProperty("content").GetString(), StringComparison.Ordinal);
        using var missingLog = await client.GetAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances/extract/logs/7", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missingLog.StatusCode);

        var xcoms = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances/load/xcomEntries", UriKind.Relative))).RootElement;
        Assert.Equal(["auth", "return_value"], xcoms.GetProperty("xcom_entries").EnumerateArray().Select(x => x.GetProperty("key").GetString()));
        var paged = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances/load/xcomEntries?limit=1&offset=1", UriKind.Relative))).RootElement;
        Assert.Equal((2, "return_value"), (paged.GetProperty("total_entries").GetInt32(), paged.GetProperty("xcom_entries")[0].GetProperty("key").GetString()));
        var returned = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances/load/xcomEntries/return_value", UriKind.Relative))).RootElement;
        Assert.Equal("loaded", returned.GetProperty("value").GetString());
        var auth = await client.GetStringAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances/load/xcomEntries/auth", UriKind.Relative));
        Assert.DoesNotContain("s3cr3t-token-value", auth, StringComparison.Ordinal);
        Assert.Equal("ana", JsonDocument.Parse(auth).RootElement.GetProperty("value").GetProperty("user").GetString());
        using var noKey = await client.GetAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances/load/xcomEntries/nope", UriKind.Relative));
        using var noTask = await client.GetAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances/nope/xcomEntries", UriKind.Relative));
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (noKey.StatusCode, noTask.StatusCode));

        using var dry = await client.PostAsJsonAsync(new Uri("/api/v1/dags/api_ti/clearTaskInstances", UriKind.Relative), new { dag_run_id = "r1", task_ids = new[] { "extract" }, include_downstream = true, dry_run = true });
        var dryBody = JsonDocument.Parse(await dry.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(2, dryBody.GetProperty("total_entries").GetInt32());
        Assert.Equal("success", JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1", UriKind.Relative))).RootElement.GetProperty("state").GetString());

        using var clear = await client.PostAsJsonAsync(new Uri("/api/v1/dags/api_ti/clearTaskInstances", UriKind.Relative), new { dag_run_id = "r1", task_ids = new[] { "load" } });
        Assert.Equal(HttpStatusCode.OK, clear.StatusCode);
        JsonElement load = default;
        for (var i = 0; i < 150; i++)
        {
            load = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances/load", UriKind.Relative))).RootElement.Clone();
            if (load.GetProperty("try_number").GetInt32() == 2 && load.GetProperty("state").GetString() == "success")
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal((2, "success"), (load.GetProperty("try_number").GetInt32(), load.GetProperty("state").GetString()));
        using var badClear = await client.PostAsJsonAsync(new Uri("/api/v1/dags/api_ti/clearTaskInstances", UriKind.Relative), new { dag_run_id = "r1", task_ids = new[] { "nope" } });
        Assert.Equal(HttpStatusCode.BadRequest, badClear.StatusCode);
        Assert.Contains("task_ids:", await badClear.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Clear the whole run (Airflow's POST dagRuns/{id}/clear): a dry run by default, then for real.
        using var dryRun = await client.PostAsJsonAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/clear", UriKind.Relative), new { });
        var dryRunBody = JsonDocument.Parse(await dryRun.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((HttpStatusCode.OK, 2), (dryRun.StatusCode, dryRunBody.GetProperty("total_entries").GetInt32()));
        Assert.Equal(1, JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances/extract", UriKind.Relative))).RootElement.GetProperty("try_number").GetInt32());
        using var onlyFailed = await client.PostAsJsonAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/clear", UriKind.Relative), new { only_failed = true });
        Assert.Equal(0, JsonDocument.Parse(await onlyFailed.Content.ReadAsStringAsync()).RootElement.GetProperty("total_entries").GetInt32());
        using var runClear = await client.PostAsJsonAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/clear", UriKind.Relative), new { dry_run = false });
        var runCleared = JsonDocument.Parse(await runClear.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((HttpStatusCode.OK, "r1"), (runClear.StatusCode, runCleared.GetProperty("dag_run_id").GetString()));
        await WaitForAsync(client, "/api/v1/dags/api_ti/dagRuns/r1", "success");
        var extractAgain = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/taskInstances/extract", UriKind.Relative))).RootElement;
        Assert.Equal((2, "success"), (extractAgain.GetProperty("try_number").GetInt32(), extractAgain.GetProperty("state").GetString()));
        using var badRunClear = await client.PostAsJsonAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/clear", UriKind.Relative), new { dry_run = "no" });
        using var strayRunClear = await client.PostAsJsonAsync(new Uri("/api/v1/dags/api_ti/dagRuns/r1/clear", UriKind.Relative), new { reset_dag_runs = true });
        using var noRunClear = await client.PostAsJsonAsync(new Uri("/api/v1/dags/api_ti/dagRuns/nope/clear", UriKind.Relative), new { });
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.NotFound), (badRunClear.StatusCode, strayRunClear.StatusCode, noRunClear.StatusCode));
        Assert.Contains("dry_run:", await badRunClear.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("reset_dag_runs", await strayRunClear.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PatchStates_MarkARunningTaskSuccess_DownstreamRuns_ThenMarkTheRunFailed()
    {
        var dag = Dag.Create("api_mark")
            .Task("wait", async ctx => await Task.Delay(TimeSpan.FromMinutes(5), ctx.CancellationToken))
            .Task("after", _ => "done", after: "wait")
            .Build();
        var (host, app, client) = await StartAsync(dag);
        await using var engine = host;
        await using var _ = app;
        using var trigger = await client.PostAsJsonAsync(new Uri("/api/v1/dags/api_mark/dagRuns", UriKind.Relative), new { dag_run_id = "m1" });
        Assert.Equal(HttpStatusCode.OK, trigger.StatusCode);
        await WaitForAsync(client, "/api/v1/dags/api_mark/dagRuns/m1/taskInstances/wait", "running");

        async Task<(HttpStatusCode Status, JsonElement Body)> PatchAsync(string path, object body)
        {
            using var response = await client.PatchAsJsonAsync(new Uri(path, UriKind.Relative), body);
            return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }

        var dry = await PatchAsync("/api/v1/dags/api_mark/dagRuns/m1/taskInstances/wait", new { new_state = "success", dry_run = true });
        var stillRunning = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_mark/dagRuns/m1/taskInstances/wait", UriKind.Relative))).RootElement;
        var marked = await PatchAsync("/api/v1/dags/api_mark/dagRuns/m1/taskInstances/wait", new { new_state = "success" });
        await WaitForAsync(client, "/api/v1/dags/api_mark/dagRuns/m1", "success");
        var failedRun = await PatchAsync("/api/v1/dags/api_mark/dagRuns/m1", new { state = "failed" });
        var badRunState = await PatchAsync("/api/v1/dags/api_mark/dagRuns/m1", new { state = "queued" });
        var unknownField = await PatchAsync("/api/v1/dags/api_mark/dagRuns/m1", new { state = "failed", note = "x" });
        var noRun = await PatchAsync("/api/v1/dags/api_mark/dagRuns/nope", new { state = "failed" });
        var badTiState = await PatchAsync("/api/v1/dags/api_mark/dagRuns/m1/taskInstances/wait", new { new_state = "running" });

        Assert.Equal((HttpStatusCode.OK, "success"), (dry.Status, dry.Body.GetProperty("state").GetString()));
        Assert.Equal("running", stillRunning.GetProperty("state").GetString());
        Assert.Equal((HttpStatusCode.OK, "success"), (marked.Status, marked.Body.GetProperty("state").GetString()));
        var after = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/dags/api_mark/dagRuns/m1/taskInstances/after", UriKind.Relative))).RootElement;
        Assert.Equal("success", after.GetProperty("state").GetString());
        Assert.Equal((HttpStatusCode.OK, "failed"), (failedRun.Status, failedRun.Body.GetProperty("state").GetString()));
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.BadRequest), (badRunState.Status, unknownField.Status, noRun.Status, badTiState.Status));
        Assert.StartsWith("state: 'queued'", badRunState.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("new_state: 'running'", badTiState.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    // A live task hub (with the scheduler) on Azurite and the API on it, the client holding an admin key.
    private async Task<(IAsyncDisposable Host, WebApplication App, HttpClient Client)> StartAsync(Dag dag)
    {
        var (api, runtime) = await Api.ApiTestKit.LiveContextAsync(azurite, new DagBag([dag]), $"{Key}:admin");
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, api, host: host);
        client.DefaultRequestHeaders.Add(ApiKeys.Header, Key);
        return (runtime, app, client);
    }

    private static async Task WaitForAsync(HttpClient client, string path, string state)
    {
        for (var i = 0; i < 200; i++)
        {
            if (JsonDocument.Parse(await client.GetStringAsync(new Uri(path, UriKind.Relative))).RootElement.GetProperty("state").GetString() == state)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{path} never became {state}");
    }
}

/// <summary>The tests of <see cref="ApiTaskInstanceTests"/> on <c>gale serve</c>.</summary>
public sealed class ApiTaskInstanceTestsOnServe(AzuriteFixture azurite) : ApiTaskInstanceTests(azurite, HttpHost.Serve);

/// <summary>The tests of <see cref="ApiTaskInstanceTests"/> through the Function App's HTTP functions.</summary>
public sealed class ApiTaskInstanceTestsOnFunctions(AzuriteFixture azurite) : ApiTaskInstanceTests(azurite, HttpHost.Functions);
