using System.Security.Cryptography;
using System.Text;
using Gale.Dags;
using Gale.Engine;
using Gale.Logs;
using Gale.Operators;
using Gale.Runs;
using Gale.Secrets;
using Gale.Orchestration.AzureStorage;
using Gale.Storage.Engine;
using Gale.Testing;
using Microsoft.Extensions.Logging;

namespace Gale.Orchestration.Tests;

/// <summary>XCom offload, task logs, rendered fields and masking of runs on an Azure Storage task hub on Azurite.</summary>
public sealed class TaskDataTaskHubTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Secret = "azure-secret-7Hq2x9Lm";

    private sealed record Setup(AzureStorageTaskHub Host, Gale.Orchestration.Runs.OrchestratedDagRuns Store, TaskServices Services, Azure.Storage.Blobs.BlobContainerClient XComBlobs, Azure.Storage.Blobs.BlobContainerClient LogBlobs, Azure.Data.Tables.TableClient Rendered, Azure.Data.Tables.TableClient XComTable) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Host.DisposeAsync();
    }

    private async Task<Setup> StartAsync(params Dag[] dags)
    {
        var xcomTable = await azurite.NewTableAsync();
        var rendered = await azurite.NewTableAsync();
        var variables = await azurite.NewTableAsync();
        var xcomBlobs = await azurite.NewContainerAsync();
        var logBlobs = await azurite.NewContainerAsync();
        var services = new TaskServices
        {
            XComs = new TableXComStore(xcomTable, xcomBlobs),
            Logs = new BlobTaskLogStore(logBlobs, TimeSpan.FromMilliseconds(200)),
            Rendered = new TableRenderedFieldStore(rendered),
            Variables = new TableVariableStore(variables),
            Settings = _ => null,
        };
        // One task hub per test: its own queues, tables and leases on the shared Azurite.
        var options = new TaskHubOptions { HubName = "h" + Guid.NewGuid().ToString("N")[..12], PartitionCount = 1 };
        var host = await AzureStorageTaskHub.StartAsync(azurite.Server.Connection, options, new DagBag(dags), services, TimeProvider.System);
        return new Setup(host, host.Runs, services, xcomBlobs, logBlobs, rendered, xcomTable);
    }

    private static async Task<RunSnapshot> RunAsync(Setup setup, Dag dag, string runId, TimeSpan? timeout = null)
    {
        var run = new DagRun { DagId = dag.DagId, RunId = runId, LogicalDate = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), QueuedAt = DateTimeOffset.UtcNow };
        await setup.Store.CreateRunAsync(dag, run);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var snapshot = await setup.Store.LoadAsync(run.Key);
            if (snapshot!.Run.State.IsFinished())
            {
                return snapshot;
            }

            Assert.True(DateTime.UtcNow < deadline, $"run {runId} did not finish: {string.Join("; ", snapshot.Tasks.Values.Select(t => $"{t.Key} {t.State.ToAirflowName()}"))}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Run_FiveMiBXCom_PassesBetweenTasksThroughBlobStorage()
    {
        var payload = new string('g', 5 * 1024 * 1024) + Guid.NewGuid().ToString("N");
        var expectedHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(payload)));
        string? receivedHash = null;
        var dag = Dag.Create("big_xcom")
            .Task("produce", _ => payload)
            .Task("consume", ctx => { receivedHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(ctx.XCom.Pull<string>("produce")!))); }, after: "produce")
            .Build();
        await using var setup = await StartAsync(dag);

        var snapshot = await RunAsync(setup, dag, "manual__big");

        Assert.Equal(DagRunState.Success, snapshot.Run.State);
        Assert.Equal(expectedHash, receivedHash);
        var entity = (await setup.XComTable.GetEntityAsync<Azure.Data.Tables.TableEntity>(KeyEncoding.RunPartition("big_xcom", "manual__big"), "produce|-1|return_value")).Value;
        Assert.Null(entity.GetString("Value"));
        var blobName = entity.GetString("BlobName")!;
        var properties = (await setup.XComBlobs.GetBlobClient(blobName).GetPropertiesAsync()).Value;
        Assert.True(properties.ContentLength > 5 * 1024 * 1024, $"blob {blobName} is {properties.ContentLength} bytes");
    }

    [Fact]
    public async Task Run_LongTask_LogIsReadableWhileRunningAndComplete()
    {
        var gate = new TaskCompletionSource();
        var dag = Dag.Create("live_log")
            .Task("slow", async ctx =>
            {
                ctx.Log.LogInformation("halfway there");
                await gate.Task.WaitAsync(ctx.CancellationToken);
                ctx.Log.LogInformation("all done");
            })
            .Build();
        await using var setup = await StartAsync(dag);
        var running = RunAsync(setup, dag, "manual__live");
        var key = new TaskLogKey("live_log", "manual__live", "slow", -1, 1);

        string? whileRunning = null;
        for (var i = 0; i < 100 && !(whileRunning?.Contains("halfway there", StringComparison.Ordinal) ?? false); i++)
        {
            await Task.Delay(100);
            whileRunning = await setup.Services.Logs.ReadAsync(key);
        }

        var stateWhileReading = (await setup.Store.LoadAsync(new RunKey("live_log", "manual__live")))!.Find(new("slow"))!.State;
        gate.SetResult();
        var snapshot = await running;
        var after = await setup.Services.Logs.ReadAsync(key);

        Assert.Equal(TaskInstanceState.Running, stateWhileReading);
        Assert.Contains("halfway there", whileRunning, StringComparison.Ordinal);
        Assert.DoesNotContain("all done", whileRunning, StringComparison.Ordinal);
        Assert.Equal(DagRunState.Success, snapshot.Run.State);
        Assert.Contains("all done", after, StringComparison.Ordinal);
        Assert.Contains("Marking task as SUCCESS", after, StringComparison.Ordinal);
        Assert.Equal([1], await setup.Services.Logs.ListTriesAsync("live_log", "manual__live", "slow", -1));
    }

    [Fact]
    public async Task Run_SecretVariableEchoedAndRendered_NeverAppearsInAnyStoredLogRenderedFieldOrRunRecord()
    {
        var dag = Dag.Create("masked")
            .Task("echo", new ShellOperator("echo token={{ var.value.deploy_token }}; echo \"env=$TOKEN\" >&2; exit 1")
            {
                Environment = new Dictionary<string, string> { ["TOKEN"] = "{{ var.value.deploy_token }}" },
            }, options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.FromSeconds(1) })
            .Task("raise", async ctx => throw new InvalidOperationException("bad token " + await ctx.Variables.GetAsync("deploy_token")))
            .Build();
        await using var setup = await StartAsync(dag);
        await setup.Services.Variables.SetAsync(new Variable("deploy_token", Secret, "used by deploys"));

        var snapshot = await RunAsync(setup, dag, "manual__masked");

        Assert.Equal(DagRunState.Failed, snapshot.Run.State);
        var logs = new List<string>();
        await foreach (var blob in setup.LogBlobs.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "dag_id=masked/", CancellationToken.None))
        {
            logs.Add((await setup.LogBlobs.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToString());
        }

        Assert.Equal(3, logs.Count); // echo: two tries; raise: one
        Assert.All(logs, l => Assert.DoesNotContain(Secret, l, StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Contains("token=***", StringComparison.Ordinal) && l.Contains("env=***", StringComparison.Ordinal));
        var rendered = await setup.Services.Rendered.GetAsync("masked", "manual__masked", "echo", -1);
        Assert.Equal((2, "echo token=***; echo \"env=$TOKEN\" >&2; exit 1", "***"), (rendered!.TryNumber, rendered.Fields["command"], rendered.Fields["env.TOKEN"]));
        await foreach (var entity in setup.Rendered.QueryAsync<Azure.Data.Tables.TableEntity>())
        {
            Assert.DoesNotContain(Secret, Encoding.UTF8.GetString(EntityBlob.Read(entity)), StringComparison.Ordinal);
        }

        Assert.All(snapshot.Tasks.Values, t => Assert.DoesNotContain(Secret, t.Message ?? string.Empty, StringComparison.Ordinal));
        Assert.Equal("InvalidOperationException: bad token ***", snapshot.Find(new("raise"))!.Message);

        // Nor in the orchestration instance: its input, custom status, output and every history event.
        var instanceId = Gale.Orchestration.Runs.RunInstanceId.For(snapshot.Run.Key);
        var instance = await setup.Host.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
        Assert.NotNull(instance);
        Assert.DoesNotContain(Secret, $"{instance.SerializedInput}{instance.SerializedCustomStatus}{instance.SerializedOutput}", StringComparison.Ordinal);
        var history = await setup.Host.Client.GetOrchestrationHistoryAsync(instanceId);
        Assert.NotEmpty(history);
        Assert.All(history, e => Assert.DoesNotContain(Secret, System.Text.Json.JsonSerializer.Serialize(e, e.GetType()), StringComparison.Ordinal));
    }
}
