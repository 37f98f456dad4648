using System.Net;
using System.Text;
using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Host.Api;
using Gale.Scheduling;
using Gale.Storage.Engine;

namespace Gale.Host.Tests;

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
        var api = await Api.ApiTestKit.QueueContextAsync(azurite, dags, keys: null);
        var runs = (TableRunStore)api.Runs;
        var scheduler = new Scheduler(api.Engine, dags, api.DagStates, runs, new SchedulerOptions { Interval = Timeout.InfiniteTimeSpan });
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, api with { Scheduler = scheduler, FunctionsHandler = functionsHandler });
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

    private static string EventHubPayload(params long[] sequences) => JsonSerializer.Serialize(new
    {
        Data = new { events = sequences.Select(n => $$"""{"n":{{n}}}""").ToArray() },
        Metadata = new
        {
            PartitionContext = new { EventHubName = "clicks", ConsumerGroup = "$Default", FullyQualifiedNamespace = "gale.servicebus.windows.net", PartitionId = "3" },
            PartitionKeyArray = sequences.Select(_ => (string?)null).ToArray(),
            OffsetArray = sequences.Select(n => (n * 512).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            SequenceNumberArray = sequences,
            EnqueuedTimeUtcArray = sequences.Select(n => $"2026-11-21T10:00:{n:D2}Z").ToArray(),
            PropertiesArray = sequences.Select(_ => new Dictionary<string, string>()).ToArray(),
            sys = new { MethodName = "eventhub", UtcNow = "2026-11-21T10:01:00Z", RandGuid = Guid.NewGuid() },
        },
    });

    private async Task<(WebApplication App, HttpClient Client, TaskServices Services, Azure.Storage.Blobs.BlobContainerClient Container)> StartWatchersAsync()
    {
        var clicks = new Gale.Assets.Asset("eventhub://clicks");
        var landing = new Gale.Assets.Asset("wasb://landing/sales/");
        var container = await azurite.NewContainerAsync();
        var dag = Dag.Create("consumer")
            .ScheduleOn("eventhub://clicks | wasb://landing/sales/")
            .Watch(new Gale.Assets.Watchers.EventHubWatcher("clicks", [clicks], "clicks"))
            .Watch(new Gale.Assets.Watchers.BlobWatcher("landing", [landing], container.Name, "sales/"))
            .Task("t", _ => { })
            .Build();
        var dags = new DagBag([dag]);
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var states = new TableDagStateStore(await azurite.NewTableAsync());
        var engine = new RunEngine(runs, dags, new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), TimeProvider.System, new EngineOptions { RunReadyTasksLocally = false });
        var services = new TaskServices
        {
            AssetEvents = new TableAssetEventStore(await azurite.NewTableAsync()),
            AssetQueue = new TableAssetQueue(await azurite.NewTableAsync(), await azurite.NewTableAsync()),
            Watermarks = new TableWatermarkStore(await azurite.NewTableAsync()),
            Objects = new BlobObjectProbe(azurite.Account),
            Settings = name => name == "GALE_EVENTHUB_NAME" ? "clicks" : null,
        };
        var runner = new Gale.Assets.Watchers.WatcherRunner(new Gale.Assets.AssetEventPublisher(services.AssetEvents, services.AssetQueue, dags), services.Watermarks, new Gale.Assets.Watchers.WatcherContext(services, TimeProvider.System), "functions");
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, new ApiContext(azurite.Account, dags, engine, runs, states, ApiKeys.Parse(null)) { Services = services, Watchers = new Gale.Assets.Watchers.WatcherHost(dags, runner), FunctionsHandler = true });
        return (app, client, services, container);
    }

    [Fact]
    public async Task EventHubTrigger_DocumentedBatchPayload_FeedsTheWatcher_RedeliveryAddsNothing()
    {
        var (app, client, services, _) = await StartWatchersAsync();
        await using var _ = app;

        using var first = await client.PostAsync(new Uri("/eventhub", UriKind.Relative), new StringContent(EventHubPayload(7, 8, 9), Encoding.UTF8, "application/json"));
        using var again = await client.PostAsync(new Uri("/eventhub", UriKind.Relative), new StringContent(EventHubPayload(8, 9, 10), Encoding.UTF8, "application/json"));
        using var bad = await client.PostAsync(new Uri("/eventhub", UriKind.Relative), new StringContent("""{"Data": {"events": ["x"]}, "Metadata": {"PartitionContext": {"PartitionId": "0"}}}""", Encoding.UTF8, "application/json"));
        using var firstBody = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        using var badBody = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.BadRequest), (first.StatusCode, again.StatusCode, bad.StatusCode));
        Assert.Contains("3 new asset events", firstBody.RootElement.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        Assert.StartsWith("Metadata.SequenceNumberArray[0]", badBody.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var events = await services.AssetEvents.ListAsync("eventhub://clicks", DateTimeOffset.MinValue);
        Assert.Equal(4, events.Count);
        Assert.Contains("\"partition\":\"3\"", events[0].Extra, StringComparison.Ordinal);
        Assert.Equal(4, (await services.AssetQueue.PendingAsync("consumer")).Count);
        Assert.Equal("10", (await services.Watermarks.GetAsync("clicks")).Get("partition:3"));
    }

    [Fact]
    public async Task BlobTrigger_DocumentedPayload_WakesTheBlobWatcher_OneEventPerBlob()
    {
        var (app, client, services, container) = await StartWatchersAsync();
        await using var _ = app;
        await container.GetBlobClient("sales/2026-11-21.csv").UploadAsync(BinaryData.FromString("id\n1\n"), overwrite: true);
        var payload = JsonSerializer.Serialize(new
        {
            Data = new { blob = Convert.ToBase64String(Encoding.UTF8.GetBytes("id\n1\n")) },
            Metadata = new
            {
                BlobTrigger = $"{container.Name}/sales/2026-11-21.csv",
                Uri = $"http://127.0.0.1/devstoreaccount1/{container.Name}/sales/2026-11-21.csv",
                Properties = new { Length = 5, ContentType = "text/csv" },
                Metadata = new Dictionary<string, string>(),
                name = "sales/2026-11-21.csv",
                sys = new { MethodName = "blobs", UtcNow = "2026-11-21T10:01:00Z", RandGuid = Guid.NewGuid() },
            },
        });

        using var first = await client.PostAsync(new Uri("/blobs", UriKind.Relative), new StringContent(payload, Encoding.UTF8, "application/json"));
        using var again = await client.PostAsync(new Uri("/blobs", UriKind.Relative), new StringContent(payload, Encoding.UTF8, "application/json"));
        using var bad = await client.PostAsync(new Uri("/blobs", UriKind.Relative), new StringContent("""{"Data": {}, "Metadata": {}}""", Encoding.UTF8, "application/json"));
        using var againBody = JsonDocument.Parse(await again.Content.ReadAsStringAsync());

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.BadRequest), (first.StatusCode, again.StatusCode, bad.StatusCode));
        Assert.Contains("0 changes", againBody.RootElement.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        var e = Assert.Single(await services.AssetEvents.ListAsync("wasb://landing/sales/", DateTimeOffset.MinValue));
        Assert.Contains("\"name\":\"sales/2026-11-21.csv\"", e.Extra, StringComparison.Ordinal);
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
        using var eventHub = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "eventhub", "function.json")));
        using var blobs = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "blobs", "function.json")));
        Assert.Equal(("eventHubTrigger", "many", "events"), (eventHub.RootElement.GetProperty("bindings")[0].GetProperty("type").GetString(), eventHub.RootElement.GetProperty("bindings")[0].GetProperty("cardinality").GetString(), eventHub.RootElement.GetProperty("bindings")[0].GetProperty("name").GetString()));
        Assert.Equal(("blobTrigger", "EventGrid"), (blobs.RootElement.GetProperty("bindings")[0].GetProperty("type").GetString(), blobs.RootElement.GetProperty("bindings")[0].GetProperty("source").GetString()));
        Assert.True(File.Exists(Path.Combine(root, "gale.dll")));
    }
}
