using System.Text.Json;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Gale.Testing;
using Microsoft.DurableTask.Client;

namespace Gale.Functions.Tests;

/// <summary>
/// The Function App's functions run a DAG run end to end: the API function triggers it, the orchestration and activity
/// functions (delegating to the classes gale serve registers) run it, and the API function reads it back.
/// </summary>
public sealed class DagRunFunctionsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Chain = """
        dag_id: fx_chain
        schedule: null
        start_date: 2024-01-01
        tasks:
          - id: extract
            operator: shell
            command: "echo extracted"
          - id: load
            operator: shell
            command: "echo loaded"
            upstream: [extract]
        """;

    [Fact]
    public async Task ApiFunction_TriggerThenFunctionsRunIt_InstanceHasTheRunsIdAndTheRunSucceeds()
    {
        await using var app = await FunctionAppHarness.StartAsync(azurite, new Dictionary<string, string> { ["fx_chain.yaml"] = Chain });

        var (status, body, _) = await app.SendAsync((f, r, c) => f.Api(r, c), "POST", "/api/v1/dags/fx_chain/dagRuns", """{"dag_run_id": "fx_1", "conf": {"a": 1}}""");
        Assert.True(status == 200, body);
        Assert.Equal("fx_1", JsonDocument.Parse(body).RootElement.GetProperty("dag_run_id").GetString());

        // The instance id is the run's deterministic id, so a second trigger of the same run id creates nothing. The
        // run waits queued until the scheduler's timer function starts it (within max_active_runs).
        var instanceId = RunInstanceId.For(new RunKey("fx_chain", "fx_1"));
        Assert.NotNull(await app.Client.GetInstanceAsync(instanceId));
        await app.TickAsync();
        var instance = await app.Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        var (again, againBody, _) = await app.SendAsync((f, r, c) => f.Api(r, c), "POST", "/api/v1/dags/fx_chain/dagRuns", """{"dag_run_id": "fx_1"}""");
        Assert.True(again == 409, againBody);

        var (runStatus, run, _) = await app.SendAsync((f, r, c) => f.Api(r, c), "GET", "/api/v1/dags/fx_chain/dagRuns/fx_1");
        Assert.True(runStatus == 200, run);
        Assert.Equal("success", JsonDocument.Parse(run).RootElement.GetProperty("state").GetString());
        var (tisStatus, tis, _) = await app.SendAsync((f, r, c) => f.Api(r, c), "GET", "/api/v1/dags/fx_chain/dagRuns/fx_1/taskInstances");
        Assert.True(tisStatus == 200, tis);
        var states = JsonDocument.Parse(tis).RootElement.GetProperty("task_instances").EnumerateArray()
            .ToDictionary(t => t.GetProperty("task_id").GetString()!, t => t.GetProperty("state").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["extract"] = "success", ["load"] = "success" }, states);

        // The tries' logs went to Gale's log store through the activity function.
        var (logStatus, log, _) = await app.SendAsync((f, r, c) => f.Api(r, c), "GET", "/api/v1/dags/fx_chain/dagRuns/fx_1/taskInstances/load/logs/1");
        Assert.True(logStatus == 200, log);
        Assert.Contains("loaded", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpFunctions_AuthAsOnServe_ApiRefusesNoKeyHealthAndUiAreOpen()
    {
        await using var app = await FunctionAppHarness.StartAsync(azurite, new Dictionary<string, string> { ["fx_chain.yaml"] = Chain });

        var (noKey, problem, _) = await app.SendAsync((f, r, c) => f.Api(r, c), "GET", "/api/v1/dags", apiKey: null);
        Assert.Equal(401, noKey);
        Assert.Contains("X-API-Key", problem, StringComparison.Ordinal);
        var (wrongKey, _, _) = await app.SendAsync((f, r, c) => f.Api(r, c), "GET", "/api/v1/dags", apiKey: "not-a-key");
        Assert.Equal(401, wrongKey);

        var (listed, dags, _) = await app.SendAsync((f, r, c) => f.Api(r, c), "GET", "/api/v1/dags");
        Assert.True(listed == 200, dags);
        Assert.Contains(JsonDocument.Parse(dags).RootElement.GetProperty("dags").EnumerateArray(), d => d.GetProperty("dag_id").GetString() == "fx_chain");

        var (health, healthBody, _) = await app.SendAsync((f, r, c) => f.Health(r, c), "GET", "/api/v1/health", apiKey: null);
        Assert.True(health == 200, healthBody);

        var (ui, html, headers) = await app.SendAsync((f, r, c) => f.Ui(r, c), "GET", "/ui/index.html", apiKey: null);
        Assert.True(ui == 200, html);
        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("no-cache", headers.CacheControl.ToString());
        var (missing, _, _) = await app.SendAsync((f, r, c) => f.Ui(r, c), "GET", "/ui/no-such-file.js", apiKey: null);
        Assert.Equal(404, missing);

        // A function key counts as checked by the host, so the anonymous ui function must not lead into the API.
        var functionKey = new Dictionary<string, string> { ["x-functions-key"] = "anything" };
        var (sneaked, sneakedBody, _) = await app.SendAsync((f, r, c) => f.Ui(r, c), "GET", "/ui/%2e%2e/api/v1/variables", apiKey: null, headers: functionKey);
        Assert.True(sneaked == 400, sneakedBody);
        Assert.DoesNotContain("\"variables\"", sneakedBody, StringComparison.Ordinal);
        var (keyed, _, _) = await app.SendAsync((f, r, c) => f.Api(r, c), "GET", "/api/v1/dags", apiKey: null, headers: functionKey);
        Assert.Equal(200, keyed);
    }
}
