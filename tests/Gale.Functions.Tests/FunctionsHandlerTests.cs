using System.Net;
using System.Text;
using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Functions.Api;
using Gale.Scheduling;
using Gale.Storage.Engine;

namespace Gale.Functions.Tests;

/// <summary>The custom-handler side of the Functions host: the `scheduler` timer trigger with the documented payload.</summary>
public sealed class FunctionsHandlerTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    // The shape the Functions host posts for a timerTrigger to a custom handler.
    private const string TimerPayload = """
        {
          "Data": { "timer": { "Schedule": { "AdjustForDST": true }, "ScheduleStatus": { "Last": "2024-01-01T00:00:00+00:00", "Next": "2024-01-01T00:00:10+00:00", "LastUpdated": "2024-01-01T00:00:00+00:00" }, "IsPastDue": false } },
          "Metadata": { "sys": { "MethodName": "scheduler", "UtcNow": "2024-01-01T00:00:10Z", "RandGuid": "5b3a5a7e-0c7b-4c1e-9d3f-8a1b2c3d4e5f" } }
        }
        """;

    private async Task<(WebApplication App, HttpClient Client, TableRunStore Runs)> StartAsync(bool functionsHandler)
    {
        var start = DateTimeOffset.UtcNow.Date.AddDays(-3);
        var dag = Dag.Create("timer_daily", "@daily", new DateTimeOffset(start, TimeSpan.Zero)).With(s => s with { Catchup = true }).Task("t", _ => { }).Build();
        var dags = new DagBag([dag]);
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var states = new TableDagStateStore(await azurite.NewTableAsync());
        var engine = new RunEngine(runs, dags, new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), TimeProvider.System, new EngineOptions { RunReadyTasksLocally = false });
        var scheduler = new Scheduler(engine, dags, states, runs, new SchedulerOptions { Interval = Timeout.InfiniteTimeSpan });
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, new ApiContext(azurite.Account, dags, engine, runs, states, ApiKeys.Parse(null)) { Scheduler = scheduler, FunctionsHandler = functionsHandler });
        return (app, client, runs);
    }

    [Fact]
    public async Task TimerTrigger_DocumentedPayload_TicksTheSchedulerAndAnswersInTheHandlerShape()
    {
        var (app, client, runs) = await StartAsync(functionsHandler: true);
        await using var host = app;

        using var response = await client.PostAsync(new Uri("/scheduler", UriKind.Relative), new StringContent(TimerPayload, Encoding.UTF8, "application/json"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var created = new List<string>();
        await foreach (var run in runs.ListRunsAsync("timer_daily"))
        {
            created.Add(run.RunId);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("Outputs").ValueKind);
        Assert.Contains("3 runs created", body.RootElement.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        Assert.True(body.RootElement.TryGetProperty("ReturnValue", out _));
        Assert.Equal(3, created.Count);

        using var bad = await client.PostAsync(new Uri("/scheduler", UriKind.Relative), new StringContent("""{"Data": {}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task TimerTrigger_OutsideTheFunctionsHost_IsNotServed()
    {
        var (app, client, _) = await StartAsync(functionsHandler: false);
        await using var _ = app;

        using var response = await client.PostAsync(new Uri("/scheduler", UriKind.Relative), new StringContent(TimerPayload, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void FunctionAppLayout_HostJsonAndSchedulerFunction_SitNextToGale()
    {
        var root = AppContext.BaseDirectory;
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "host.json")));
        using var scheduler = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "scheduler", "function.json")));

        Assert.Equal("gale", host.RootElement.GetProperty("customHandler").GetProperty("description").GetProperty("defaultExecutablePath").GetString());
        Assert.Equal("functions", host.RootElement.GetProperty("customHandler").GetProperty("description").GetProperty("arguments")[0].GetString());
        Assert.Equal("timerTrigger", scheduler.RootElement.GetProperty("bindings")[0].GetProperty("type").GetString());
        Assert.True(File.Exists(Path.Combine(root, "gale.dll")));
    }
}
