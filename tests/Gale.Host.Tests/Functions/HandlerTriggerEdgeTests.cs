using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Gale.Assets;
using Gale.Assets.Watchers;
using Gale.Dags;
using Gale.Engine;
using Gale.Host.Api;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Scheduling;
using Gale.Storage.Engine;

namespace Gale.Host.Tests.Functions;

/// <summary>
/// The custom-handler trigger endpoints off their happy path: a past-due timer, the other Event Hubs metadata shape, batches
/// and blobs no watcher reads, malformed payloads, a control message this host cannot apply, and hosts that are not the
/// Functions handler.
/// </summary>
public sealed class HandlerTriggerEdgeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string TimerPayload = """
        {
          "Data": { "timer": { "Schedule": { "AdjustForDST": true }, "ScheduleStatus": { "Last": "2024-01-01T00:00:00+00:00", "Next": "2024-01-01T00:00:10+00:00", "LastUpdated": "2024-01-01T00:00:00+00:00" }, "IsPastDue": PAST_DUE } },
          "Metadata": { "sys": { "MethodName": "scheduler", "UtcNow": "2024-01-01T00:00:10Z", "RandGuid": "5b3a5a7e-0c7b-4c1e-9d3f-8a1b2c3d4e5f" } }
        }
        """;

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static StringContent Json(object value) => Json(JsonSerializer.Serialize(value));

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, string route, StringContent content)
    {
        using var response = await client.PostAsync(new Uri(route, UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<(WebApplication App, HttpClient Client)> StartSchedulerAsync(bool functionsHandler)
    {
        var dags = new DagBag([Dag.Create("edge_timer").Task("t", _ => { }).Build()]);
        var api = await Api.ApiTestKit.QueueContextAsync(azurite, dags, keys: null);
        var scheduler = new Scheduler(api.Engine, dags, api.DagStates, api.Runs, new SchedulerOptions { Interval = Timeout.InfiniteTimeSpan });
        return await GaleTestHost.StartAsync(azurite.Account, api with { Scheduler = scheduler, FunctionsHandler = functionsHandler });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TimerTrigger_IsPastDue_LogSaysSoOnlyWhenPastDue(bool pastDue)
    {
        var (app, client) = await StartSchedulerAsync(functionsHandler: true);
        await using var _ = app;

        var (status, body) = await PostAsync(client, "/scheduler", Json(TimerPayload.Replace("PAST_DUE", pastDue ? "true" : "false", StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.OK, status);
        var log = Assert.Single(body.GetProperty("Logs").EnumerateArray()).GetString();
        Assert.StartsWith("scheduler tick:", log, StringComparison.Ordinal);
        Assert.Equal(pastDue, log!.Contains("past due", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/scheduler")]
    [InlineData("/tasks")]
    [InlineData("/control")]
    [InlineData("/eventhub")]
    [InlineData("/blobs")]
    public async Task TriggerRoute_NotTheFunctionsHandler_Answers404(string route)
    {
        var (app, client) = await StartSchedulerAsync(functionsHandler: false);
        await using var _ = app;

        var (status, _) = await PostAsync(client, route, Json("""{"Data": {}, "Metadata": {}}"""));

        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    // A malformed invocation is the caller's fault whatever the route: 400 naming the part, never a 500 the host would retry.
    [Theory]
    [InlineData("/scheduler", """{"Data": "x", "Metadata": {}}""", "Data")]
    [InlineData("/tasks", """{"Data": "x", "Metadata": {"Id": "m1"}}""", "Data")]
    [InlineData("/control", """{"Data": [], "Metadata": {"Id": "m1"}}""", "Data")]
    [InlineData("/tasks", """{"Data": {"message": "{}"}, "Metadata": "m1"}""", "Metadata")]
    [InlineData("/eventhub", """{"Data": "x", "Metadata": {"PartitionContext": {"PartitionId": "0"}}}""", "Data")]
    [InlineData("/eventhub", """{"Data": {"events": []}, "Metadata": 7}""", "Metadata")]
    [InlineData("/blobs", """{"Data": {}, "Metadata": "container/blob"}""", "Metadata")]
    public async Task TriggerRoute_DataOrMetadataNotAnObject_Answers400NamingIt(string route, string payload, string field)
    {
        var (app, client, _, _) = await StartWatchersAsync(hub: "clicks", queues: true);
        await using var _ = app;

        var (status, body) = await PostAsync(client, route, Json(payload));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith($"{field}:", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<(WebApplication App, HttpClient Client, TaskServices Services, Azure.Storage.Blobs.BlobContainerClient Container)> StartWatchersAsync(string? hub, bool queues = false)
    {
        var clicks = new Asset("eventhub://clicks");
        var landing = new Asset("wasb://landing/sales/");
        var container = await azurite.NewContainerAsync();
        var dag = Dag.Create("edge_consumer")
            .ScheduleOn("eventhub://clicks | wasb://landing/sales/")
            .Watch(new EventHubWatcher("clicks", [clicks], "clicks"))
            .Watch(new BlobWatcher("landing", [landing], container.Name, "sales/"))
            .Task("t", _ => { })
            .Build();
        var dags = new DagBag([dag]);
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var states = new TableDagStateStore(await azurite.NewTableAsync());
        var services = new TaskServices
        {
            Objects = new BlobObjectProbe(azurite.Account),
            Settings = name => name == "GALE_EVENTHUB_NAME" ? hub : null,
        };
        var options = new EngineOptions { HostOwnsQueues = true };
        var host = new EngineHost(runs, dags, new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), services, TimeProvider.System, options);
        var runner = new WatcherRunner(new AssetEventPublisher(services.AssetEvents, services.AssetQueue, dags), services.Watermarks, new WatcherContext(services, TimeProvider.System), "functions");
        var scheduler = new Scheduler(host.Engine, dags, states, runs, new SchedulerOptions { Interval = Timeout.InfiniteTimeSpan });
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, new ApiContext(azurite.Account, dags, host.Engine, runs, states, ApiKeys.Parse(null))
        {
            Services = services,
            Watchers = new WatcherHost(dags, runner),
            Scheduler = scheduler,
            QueueHost = queues ? host : null,
            FunctionsHandler = true,
        });
        return (app, client, services, container);
    }

    // The other shape the host may send: per-event system properties in Metadata.SystemPropertiesArray instead of the *Array fields.
    [Fact]
    public async Task EventHubTrigger_SystemPropertiesArrayMetadata_FeedsTheWatcher()
    {
        var (app, client, services, _) = await StartWatchersAsync(hub: "clicks");
        await using var _ = app;
        long[] sequences = [21, 22, 23];
        var payload = new
        {
            Data = new { events = sequences.Select(n => $$"""{"n":{{n}}}""").ToArray() },
            Metadata = new
            {
                PartitionContext = new { EventHubName = "clicks", ConsumerGroup = "$Default", FullyQualifiedNamespace = "gale.servicebus.windows.net", PartitionId = "5" },
                SystemPropertiesArray = sequences.Select(n => new Dictionary<string, object>
                {
                    ["SequenceNumber"] = n,
                    ["Offset"] = (n * 100).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["EnqueuedTimeUtc"] = $"2026-11-21T10:00:{n:D2}Z",
                    ["PartitionKey"] = null!,
                }).ToArray(),
                sys = new { MethodName = "eventhub", UtcNow = "2026-11-21T10:01:00Z", RandGuid = Guid.NewGuid() },
            },
        };

        var (status, body) = await PostAsync(client, "/eventhub", Json(payload));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("3 events, 3 after the watermark, 3 new asset events", body.GetProperty("Logs")[0].GetString(), StringComparison.Ordinal);
        var events = await services.AssetEvents.ListAsync("eventhub://clicks", DateTimeOffset.MinValue);
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Contains("\"partition\":\"5\"", e.Extra, StringComparison.Ordinal));
        Assert.Equal("23", (await services.Watermarks.GetAsync("clicks")).Get("partition:5"));
    }

    [Theory]
    [InlineData("""{"Data": {}, "Metadata": {"PartitionContext": {"PartitionId": "0"}}}""")]
    [InlineData("""{"Data": {"events": "x"}, "Metadata": {"PartitionContext": {"PartitionId": "0"}}}""")]
    [InlineData("""{"Data": {"event": ["x"]}, "Metadata": {"PartitionContext": {"PartitionId": "0"}}}""")]
    public async Task EventHubTrigger_NoDataEventsArray_Answers400NamingIt(string payload)
    {
        var (app, client, services, _) = await StartWatchersAsync(hub: "clicks");
        await using var _ = app;

        var (status, body) = await PostAsync(client, "/eventhub", Json(payload));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("Data.events:", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await services.AssetEvents.ListAsync("eventhub://clicks", DateTimeOffset.MinValue));
    }

    [Fact]
    public async Task EventHubTrigger_BatchForAHubNoWatcherReads_LogsIgnoredAndAddsNothing()
    {
        var (app, client, services, _) = await StartWatchersAsync(hub: "orders");
        await using var _ = app;
        var payload = new
        {
            Data = new { events = new[] { "a", "b", "c" } },
            Metadata = new { PartitionContext = new { EventHubName = "orders", PartitionId = "0" }, SequenceNumberArray = new[] { 1, 2, 3 } },
        };

        var (status, body) = await PostAsync(client, "/eventhub", Json(payload));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("no Event Hubs watcher for hub 'orders'; 3 events ignored", Assert.Single(body.GetProperty("Logs").EnumerateArray()).GetString());
        Assert.Empty(await services.AssetEvents.ListAsync("eventhub://clicks", DateTimeOffset.MinValue));
        Assert.Null((await services.Watermarks.GetAsync("clicks")).Get("partition:0"));
    }

    private static string BlobPayload(string blobTrigger) => JsonSerializer.Serialize(new
    {
        Data = new { blob = Convert.ToBase64String(Encoding.UTF8.GetBytes("id\n1\n")) },
        Metadata = new
        {
            BlobTrigger = blobTrigger,
            Uri = $"http://127.0.0.1/devstoreaccount1/{blobTrigger}",
            Properties = new { Length = 5, ContentType = "text/csv" },
            sys = new { MethodName = "blobs", UtcNow = "2026-11-21T10:01:00Z", RandGuid = Guid.NewGuid() },
        },
    });

    [Theory]
    [InlineData("just-a-name.csv")]
    [InlineData("/sales/leading-slash.csv")]
    [InlineData("")]
    public async Task BlobTrigger_PathWithoutContainer_Answers400NamingBlobTrigger(string path)
    {
        var (app, client, _, _) = await StartWatchersAsync(hub: "clicks");
        await using var _ = app;

        var (status, body) = await PostAsync(client, "/blobs", Json(BlobPayload(path)));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("Metadata.BlobTrigger:", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BlobTrigger_BlobOutsideEveryWatchersPrefixOrContainer_PollsNothingAndAddsNoEvents()
    {
        var (app, client, services, container) = await StartWatchersAsync(hub: "clicks");
        await using var _ = app;
        await container.GetBlobClient("sales/2026-11-21.csv").UploadAsync(BinaryData.FromString("id\n1\n"), overwrite: true); // would be an event if the watcher polled
        await container.GetBlobClient("returns/2026-11-21.csv").UploadAsync(BinaryData.FromString("id\n1\n"), overwrite: true);

        var (otherPrefix, otherPrefixBody) = await PostAsync(client, "/blobs", Json(BlobPayload($"{container.Name}/returns/2026-11-21.csv")));
        var (otherContainer, otherContainerBody) = await PostAsync(client, "/blobs", Json(BlobPayload("elsewhere/sales/2026-11-21.csv")));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (otherPrefix, otherContainer));
        Assert.Equal($"no blob watcher for {container.Name}/returns/2026-11-21.csv", Assert.Single(otherPrefixBody.GetProperty("Logs").EnumerateArray()).GetString());
        Assert.Equal("no blob watcher for elsewhere/sales/2026-11-21.csv", Assert.Single(otherContainerBody.GetProperty("Logs").EnumerateArray()).GetString());
        Assert.Empty(await services.AssetEvents.ListAsync("wasb://landing/sales/", DateTimeOffset.MinValue));
    }

    // The control queue as the Functions host delivers it: receive (holding the message), post, then delete on 200 or release.
    private async Task<(EngineHost Host, WebApplication App, HttpClient Client, QueueClient Control, TableRunStore Runs)> StartControlAsync()
    {
        var dags = new DagBag([Dag.Create("edge_known").Task("t", _ => { }).Build()]);
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var control = await azurite.NewQueueAsync();
        var host = new EngineHost(runs, dags, new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), new StorageMessageQueue(control, TimeProvider.System), new TaskServices(), TimeProvider.System, new EngineOptions { HostOwnsQueues = true });
        host.Start();
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, new ApiContext(azurite.Account, dags, host.Engine, runs, new TableDagStateStore(await azurite.NewTableAsync()), ApiKeys.Parse(null)) { QueueHost = host, FunctionsHandler = true });
        return (host, app, client, control, runs);
    }

    private static async Task<(HttpStatusCode Status, string Log)> DeliverAsync(HttpClient client, QueueClient queue)
    {
        var message = Assert.Single((await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5))).Value);
        var payload = new
        {
            Data = new { message = message.Body.ToString() },
            Metadata = new { message.DequeueCount, Id = message.MessageId, message.PopReceipt, sys = new { MethodName = "control" } },
        };
        var (status, body) = await PostAsync(client, "/control", Json(payload));
        if (status == HttpStatusCode.OK)
        {
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }
        else
        {
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
        }

        return (status, Assert.Single(body.GetProperty("Logs").EnumerateArray()).GetString()!);
    }

    private static string ControlMessage(string dagId, string runId) =>
        EngineMessages.Serialize(new ControlMessage(dagId, runId, new RunStarted { EventId = $"start:{dagId}/{runId}", At = DateTimeOffset.UtcNow }));

    [Fact]
    public async Task ControlTrigger_RunOfADagThisHostHasNotLoaded_Answers500AndTheMessageStays()
    {
        var (host, app, client, control, runs) = await StartControlAsync();
        await using var _ = host;
        await using var __ = app;
        var elsewhere = Dag.Create("edge_elsewhere").Task("t", _ => { }).Build(); // loaded by another host only
        Assert.NotNull(await runs.CreateAsync(RunSnapshotFactory.Create(elsewhere, new DagRun { DagId = "edge_elsewhere", RunId = "r1", QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow })));
        await control.SendMessageAsync(ControlMessage("edge_elsewhere", "r1"));

        var (status, log) = await DeliverAsync(client, control);

        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("left for another delivery", log, StringComparison.Ordinal);
        Assert.Equal(1, (await control.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(DagRunState.Queued, (await runs.LoadAsync(new RunKey("edge_elsewhere", "r1")))!.Run.State);
    }

    // A run that exists nowhere cannot be applied by any host: ControlWorker drops its events (RunNotFoundException), so 200.
    [Fact]
    public async Task ControlTrigger_RunThatDoesNotExistOfAnUnloadedDag_IsDroppedWith200()
    {
        var (host, app, client, control, _) = await StartControlAsync();
        await using var _ = host;
        await using var __ = app;
        await control.SendMessageAsync(ControlMessage("edge_gone", "r1"));

        var (status, log) = await DeliverAsync(client, control);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("processed", log, StringComparison.Ordinal);
        Assert.Equal(0, (await control.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
