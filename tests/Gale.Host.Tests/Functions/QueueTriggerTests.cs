using System.Net;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Gale.Dags;
using Gale.Engine;
using Gale.Host.Api;
using Gale.Runs;
using Gale.Storage.Engine;

namespace Gale.Host.Tests.Functions;

/// <summary>
/// The `tasks` and `control` functions (queueTrigger) with the payload the Functions host posts to a custom handler. The
/// test plays the host: it receives a message from the real queue on Azurite (holding it with its own pop receipt),
/// posts it, and on 200 deletes it with that receipt, on 500 makes it visible again.
/// </summary>
public sealed class QueueTriggerTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Key = "admin-key-0123456789";

    [Fact]
    public async Task TasksAndControl_DocumentedPayloads_RunARetriedTaskToSuccess_HostKeepsItsHold()
    {
        var tries = 0;
        var dag = Dag.Create("qt_retry")
            .Task("flaky", _ => { if (Interlocked.Increment(ref tries) == 1) { throw new InvalidOperationException("first try fails"); } }, options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.Zero })
            .Task("after", _ => { }, after: "flaky")
            .Build();
        await using var h = await StartAsync(dag);

        await h.Host.Engine.CreateRunAsync(dag, new DagRun { DagId = "qt_retry", RunId = "r1", QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });
        Assert.Equal(HttpStatusCode.OK, await h.DeliverAsync(h.Tasks, "/tasks")); // try 1 fails: a retry timer goes to control
        Assert.Equal(TaskInstanceState.UpForRetry, (await h.StateAsync("r1")).Find(new TaskInstanceKey("flaky", -1))!.State);
        Assert.Equal(HttpStatusCode.OK, await h.DeliverAsync(h.Control, "/control")); // the retry is due: try 2 queued
        Assert.Equal(HttpStatusCode.OK, await h.DeliverAsync(h.Tasks, "/tasks")); // try 2 succeeds
        Assert.Equal(HttpStatusCode.OK, await h.DeliverAsync(h.Tasks, "/tasks")); // after

        var run = await h.StateAsync("r1");
        Assert.Equal(DagRunState.Success, run.Run.State);
        Assert.Equal(2, run.Find(new TaskInstanceKey("flaky", -1))!.TryNumber);
        Assert.Equal(0, (await h.Tasks.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task TasksTrigger_MessageAsJsonObject_IsAcceptedLikeText()
    {
        var dag = Dag.Create("qt_object").Task("t", _ => { }).Build();
        await using var h = await StartAsync(dag);
        await h.Host.Engine.CreateRunAsync(dag, new DagRun { DagId = "qt_object", RunId = "r1", QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });

        Assert.Equal(HttpStatusCode.OK, await h.DeliverAsync(h.Tasks, "/tasks", asObject: true));

        Assert.Equal(DagRunState.Success, (await h.StateAsync("r1")).Run.State);
    }

    [Fact]
    public async Task TasksTrigger_LongTask_HeartbeatsDoNotTouchTheHostsHold_DuplicateComesBackAsAFreshMessage()
    {
        var release = new TaskCompletionSource();
        var dag = Dag.Create("qt_long").Task("slow", async ctx => { await release.Task.WaitAsync(ctx.CancellationToken); return 1; }).Build();
        await using var h = await StartAsync(dag, lease: TimeSpan.FromSeconds(4)); // heartbeat every second
        await h.Host.Engine.CreateRunAsync(dag, new DagRun { DagId = "qt_long", RunId = "r1", QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });
        var held = (await h.Tasks.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5))).Value.Single();
        await h.Tasks.SendMessageAsync(held.Body.ToString()); // the same attempt, delivered twice

        var first = h.PostAsync("/tasks", held, asObject: false);
        await Task.Delay(TimeSpan.FromSeconds(2.5)); // two heartbeats
        var duplicate = (await h.Tasks.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5))).Value.Single();
        Assert.Equal(HttpStatusCode.OK, await h.PostAsync("/tasks", duplicate, asObject: false)); // still running here: comes back later
        await h.Tasks.DeleteMessageAsync(duplicate.MessageId, duplicate.PopReceipt);
        release.SetResult();
        Assert.Equal(HttpStatusCode.OK, await first);

        // The host's pop receipt still holds: Gale never renewed or deleted the message itself.
        await h.Tasks.DeleteMessageAsync(held.MessageId, held.PopReceipt);
        Assert.Equal(DagRunState.Success, (await h.StateAsync("r1")).Run.State);
        var snapshot = await h.StateAsync("r1");
        Assert.NotNull(snapshot.Find(new TaskInstanceKey("slow", -1))!.HeartbeatAt);

        // The duplicate's fresh copy arrives and finds the try finished: processed, nothing changes.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(HttpStatusCode.OK, await h.DeliverAsync(h.Tasks, "/tasks"));
        Assert.Equal(0, (await h.Tasks.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task TasksTrigger_UnknownDag_Answers500SoTheHostRetries_GarbageGoesToThePoisonQueue()
    {
        var dag = Dag.Create("qt_known").Task("t", _ => { }).Build();
        await using var h = await StartAsync(dag);
        await h.Tasks.SendMessageAsync(EngineMessages.Serialize(new AttemptMessage("qt_gone", "r1", "t", -1, 1)));
        await h.Tasks.SendMessageAsync("this is not a Gale message");

        Assert.Equal(HttpStatusCode.InternalServerError, await h.DeliverAsync(h.Tasks, "/tasks"));
        Assert.Equal(HttpStatusCode.OK, await h.DeliverAsync(h.Tasks, "/tasks"));

        var poison = (await h.Tasks.GetPoisonQueueClient().PeekMessagesAsync(32)).Value;
        Assert.Equal("this is not a Gale message", Assert.Single(poison).Body.ToString());
        Assert.Equal(1, (await h.Tasks.GetPropertiesAsync()).Value.ApproximateMessagesCount); // the unknown DAG's message waits for its next delivery
    }

    [Fact]
    public async Task ControlTrigger_ChainedDelayNotDue_IsSentAgainForItsNextLeg()
    {
        var dag = Dag.Create("qt_chain").Task("t", _ => { }).Build();
        await using var h = await StartAsync(dag);
        var envelope = JsonSerializer.Serialize(new Dictionary<string, object> { ["gale_due"] = DateTimeOffset.UtcNow.AddDays(9), ["body"] = "{}" });
        await h.Control.SendMessageAsync(envelope);

        Assert.Equal(HttpStatusCode.OK, await h.DeliverAsync(h.Control, "/control"));

        Assert.Equal(1, (await h.Control.GetPropertiesAsync()).Value.ApproximateMessagesCount); // the next leg, hidden
        Assert.Empty((await h.Control.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1))).Value);
    }

    [Theory]
    [InlineData("""{"Data": {}, "Metadata": {"Id": "m1"}}""", "Data.message")]
    [InlineData("""{"Data": {"message": "{}"}, "Metadata": {}}""", "Metadata.Id")]
    [InlineData("""{"Data": {"message": "{}"}, "Metadata": {"Id": "m1", "DequeueCount": "many"}}""", "Metadata.DequeueCount")]
    [InlineData("""{"Data": {"message": "{}"}}""", "Data and Metadata")]
    public async Task QueueTriggers_MalformedPayload_Answer400NamingTheField(string payload, string field)
    {
        var dag = Dag.Create("qt_bad").Task("t", _ => { }).Build();
        await using var h = await StartAsync(dag);

        foreach (var route in new[] { "/tasks", "/control" })
        {
            using var response = await h.Client.PostAsync(new Uri(route, UriKind.Relative), new StringContent(payload, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(field, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PoisonMessages_ListedWithTheirRunAndTask_ReplayedBackToTheQueue()
    {
        var dag = Dag.Create("qt_poison").Task("t", _ => { }).Build();
        await using var h = await StartAsync(dag);
        var poison = h.Tasks.GetPoisonQueueClient();
        await poison.CreateIfNotExistsAsync();
        var attempt = await poison.SendMessageAsync(EngineMessages.Serialize(new AttemptMessage("qt_poison", "r9", "t", -1, 2)));
        var garbage = await poison.SendMessageAsync("password=hunter2-not-json");
        h.Services.Masker.Add("hunter2-not-json");

        using var list = JsonDocument.Parse(await h.Client.GetStringAsync(new Uri("/api/v1/poisonMessages?queue=tasks", UriKind.Relative)));
        var messages = list.RootElement.GetProperty("poison_messages").EnumerateArray().ToDictionary(m => m.GetProperty("message_id").GetString()!);
        Assert.Equal(2, list.RootElement.GetProperty("total_entries").GetInt32());
        Assert.Equal("qt_poison", messages[attempt.Value.MessageId].GetProperty("dag_id").GetString());
        Assert.Equal("r9", messages[attempt.Value.MessageId].GetProperty("dag_run_id").GetString());
        Assert.Equal(2, messages[attempt.Value.MessageId].GetProperty("try_number").GetInt32());
        Assert.False(messages[garbage.Value.MessageId].GetProperty("readable").GetBoolean());
        Assert.DoesNotContain("hunter2", messages[garbage.Value.MessageId].GetProperty("body").GetString(), StringComparison.Ordinal);

        using var paged = JsonDocument.Parse(await h.Client.GetStringAsync(new Uri("/api/v1/poisonMessages?limit=1&offset=1", UriKind.Relative)));
        Assert.Single(paged.RootElement.GetProperty("poison_messages").EnumerateArray());

        using var replay = await h.Client.PostAsync(new Uri("/api/v1/poisonMessages/replay", UriKind.Relative), new StringContent(JsonSerializer.Serialize(new { queue = "tasks", message_ids = new[] { attempt.Value.MessageId, "no-such-id" } }), Encoding.UTF8, "application/json"));
        using var replayed = JsonDocument.Parse(await replay.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal([attempt.Value.MessageId], replayed.RootElement.GetProperty("replayed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["no-such-id"], replayed.RootElement.GetProperty("not_found").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(EngineMessages.Serialize(new AttemptMessage("qt_poison", "r9", "t", -1, 2)), Assert.Single((await h.Tasks.PeekMessagesAsync(32)).Value).Body.ToString());
        Assert.Equal(garbage.Value.MessageId, Assert.Single((await poison.PeekMessagesAsync(32)).Value).MessageId);

        foreach (var (body, field) in new[] { ("{}", "queue"), ("""{"queue": "nope"}""", "queue"), ("""{"queue": "tasks", "message_ids": "x"}""", "message_ids"), ("""{"queue": "tasks", "extra": 1}""", "extra") })
        {
            using var bad = await h.Client.PostAsync(new Uri("/api/v1/poisonMessages/replay", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains(field, await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var badQueue = await h.Client.GetAsync(new Uri("/api/v1/poisonMessages?queue=nope", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badQueue.StatusCode);
    }

    private async Task<Harness> StartAsync(Dag dag, TimeSpan? lease = null)
    {
        var dags = new DagBag([dag]);
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var states = new TableDagStateStore(await azurite.NewTableAsync());
        var tasks = await azurite.NewQueueAsync();
        var control = await azurite.NewQueueAsync();
        var services = new TaskServices();
        var host = new EngineHost(runs, dags, new StorageMessageQueue(tasks, TimeProvider.System), new StorageMessageQueue(control, TimeProvider.System), services, TimeProvider.System, new EngineOptions { HostOwnsQueues = true, Lease = lease ?? TimeSpan.FromSeconds(30) });
        host.Start(); // with HostOwnsQueues: polls nothing
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, new ApiContext(azurite.Account, dags, host.Engine, runs, states, ApiKeys.Parse($"{Key}:admin"))
        {
            Services = services,
            QueueHost = host,
            FunctionsHandler = true,
            Poison = new PoisonMessages(azurite.Account, tasks.Name, control.Name),
        });
        client.DefaultRequestHeaders.Add(ApiKeys.Header, Key);
        return new Harness(dag.DagId, host, app, client, tasks, control, services);
    }

    private sealed record Harness(string DagId, EngineHost Host, WebApplication App, HttpClient Client, QueueClient Tasks, QueueClient Control, TaskServices Services) : IAsyncDisposable
    {
        public async Task<RunSnapshot> StateAsync(string runId) => (await Host.Engine.LoadAsync(new RunKey(DagId, runId)))!;

        // Receives the next visible message as the host would, posts it, then deletes it (200) or releases it (otherwise).
        public async Task<HttpStatusCode> DeliverAsync(QueueClient queue, string route, bool asObject = false)
        {
            QueueMessage? message = null;
            for (var i = 0; i < 50 && message is null; i++)
            {
                message = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(5))).Value.FirstOrDefault();
                if (message is null)
                {
                    await Task.Delay(100);
                }
            }

            Assert.NotNull(message);
            var status = await PostAsync(route, message, asObject);
            if (status == HttpStatusCode.OK)
            {
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt); // throws if Gale broke the host's hold
            }
            else
            {
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
            }

            return status;
        }

        public async Task<HttpStatusCode> PostAsync(string route, QueueMessage message, bool asObject)
        {
            var payload = new Dictionary<string, object>
            {
                ["Data"] = new Dictionary<string, object> { ["message"] = asObject ? JsonDocument.Parse(message.Body.ToString()).RootElement : message.Body.ToString() },
                ["Metadata"] = new Dictionary<string, object>
                {
                    ["DequeueCount"] = message.DequeueCount,
                    ["ExpirationTime"] = message.ExpiresOn ?? default,
                    ["Id"] = message.MessageId,
                    ["InsertionTime"] = message.InsertedOn ?? default,
                    ["NextVisibleTime"] = message.NextVisibleOn ?? default,
                    ["PopReceipt"] = message.PopReceipt,
                    ["sys"] = new Dictionary<string, object> { ["MethodName"] = route.TrimStart('/'), ["UtcNow"] = DateTimeOffset.UtcNow, ["RandGuid"] = Guid.NewGuid() },
                },
            };
            using var response = await Client.PostAsync(new Uri(route, UriKind.Relative), new StringContent(JsonSerializer.Serialize(payload), Encoding.UTF8, "application/json"));
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.InternalServerError)
            {
                Assert.Equal(JsonValueKind.Array, body.GetProperty("Logs").ValueKind);
            }

            return response.StatusCode;
        }

        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            await Host.DisposeAsync();
        }
    }
}
