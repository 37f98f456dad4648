using System.Text.Json.Nodes;
using DurableTask.AzureStorage;
using Gale.Orchestration.AzureStorage;
using Gale.Orchestration.Runs;
using Microsoft.DurableTask.Client;

namespace Gale.Host.Tests.Cli;

/// <summary>
/// <c>gale serve</c> on Azurite: runs triggered, watched, read, logged and cleared through the
/// API and the CLI, and each run is an orchestration instance the runtime's own query finds.
/// </summary>
public sealed class DurableTaskServeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string AdminKey = "durable-admin-key-0123456789";

    [Fact]
    public async Task Serve_DurableTaskRuntime_RunsAreInstancesTriggeredReadLoggedAndClearedThroughTheApi()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var dagId = $"durable_{suffix}";
        var hub = $"hub{suffix}";
        var folder = Directory.CreateTempSubdirectory("gale-durable-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "dags"));
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "durable.yaml"), $$$"""
            dag_id: {{{dagId}}}
            schedule: null
            start_date: 2024-01-01
            tasks:
              - id: hello
                operator: shell
                command: "echo hello from {{ ds }}"
              - id: bye
                operator: shell
                command: "echo bye"
                upstream: [hello]
            """);
        var storage = azurite.Server.ConnectionString;
        using var serve = await ServeProcess.StartAsync(folder, storage, new Dictionary<string, string>
        {
            ["GALE_API_KEYS"] = $"{AdminKey}:admin",
            [TaskHubOptions.HubNameSetting] = hub,
        });
        var api = serve.Output.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"API (http://127\.0\.0\.1:\d+)/api/v1")).First(m => m.Success).Groups[1].Value;
        Assert.Contains(serve.Output, l => l.Contains($"runs on the Durable Task hub '{hub}'", StringComparison.Ordinal));
        try
        {
            Task<(int ExitCode, string Stdout, string Stderr)> ViaApi(params string[] args) => GaleProcess.RunAsync(new Dictionary<string, string?> { ["GALE_API_KEY"] = AdminKey }, folder, [.. args, "--api", api]);

            var (triggerExit, triggerOut, triggerErr) = await ViaApi("dags", "trigger", dagId, "--run-id", "r1", "--logical-date", "2024-01-05", "--wait", "--output", "json");
            Assert.True(triggerExit == 0, $"exit {triggerExit}: {triggerErr}\n{string.Join('\n', serve.Output)}");
            var triggered = JsonNode.Parse(triggerOut)!;
            Assert.Equal("success", triggered["state"]!.GetValue<string>());
            Assert.Equal(["hello", "bye"], triggered["tasks"]!.AsArray().Select(t => t!["task_id"]!.GetValue<string>()));
            var (again, _, _) = await ViaApi("dags", "trigger", dagId, "--run-id", "r1", "--output", "json");
            Assert.NotEqual(0, again);

            var listed = JsonNode.Parse((await ViaApi("runs", "list", dagId, "--output", "json")).Stdout)!.AsArray();
            Assert.Equal(["r1"], listed.Select(r => r!["run_id"]!.GetValue<string>()));
            var (logExit, logText, _) = await ViaApi("tasks", "logs", dagId, "r1", "hello");
            Assert.Equal(0, logExit);
            Assert.Contains("hello from 2024-01-05", logText, StringComparison.Ordinal);

            // Clear the finished run through the API: a new execution of the instance runs the tasks again (try 2).
            var (clearExit, _, clearErr) = await ViaApi("tasks", "clear", dagId, "r1", "hello", "--downstream");
            Assert.True(clearExit == 0, clearErr);
            var cleared = await RunShow.UntilAsync(ViaApi, dagId, "r1", r => RunShow.SucceededOnTry(r, 2));
            Assert.All(cleared["tasks"]!.AsArray(), t => Assert.Equal((2, "success"), (t!["try_number"]!.GetValue<int>(), t["state"]!.GetValue<string>())));

            // The CLI on the same storage, told the task hub, starts and reads instances directly.
            var durableEnv = new Dictionary<string, string?> { [TaskHubOptions.HubNameSetting] = hub };
            Task<(int ExitCode, string Stdout, string Stderr)> ViaStorage(params string[] args) => GaleProcess.RunAsync(durableEnv, folder, [.. args, "--storage", storage]);
            var (storageExit, storageOut, storageErr) = await ViaStorage("dags", "trigger", dagId, "--run-id", "r2", "--wait", "--output", "json");
            Assert.True(storageExit == 0, $"exit {storageExit}: {storageErr}");
            Assert.Equal("success", JsonNode.Parse(storageOut)!["state"]!.GetValue<string>());
            var both = JsonNode.Parse((await ViaStorage("runs", "list", dagId, "--output", "json")).Stdout)!.AsArray();
            Assert.Equal(["r1", "r2"], both.Select(r => r!["run_id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
            var shown = JsonNode.Parse((await ViaStorage("runs", "show", dagId, "r2", "--output", "json")).Stdout)!;
            Assert.All(shown["tasks"]!.AsArray(), t => Assert.Equal("success", t!["state"]!.GetValue<string>()));
            Assert.Equal(1, (await ViaStorage("runs", "event", dagId, "no_such_run", "go")).ExitCode);

            // The runtime's own instance query (no Gale code in between) finds the runs.
            var service = new AzureStorageOrchestrationService(AzureStorageTaskHub.Settings(azurite.Server.Connection, new TaskHubOptions { HubName = hub }));
            var client = new CoreDurableTaskClient(hub, service);
            var instances = new List<OrchestrationMetadata>();
            await foreach (var instance in client.GetAllInstancesAsync(new OrchestrationQuery(InstanceIdPrefix: RunInstanceId.PrefixFor(dagId))))
            {
                instances.Add(instance);
            }

            Assert.Equal(
                [RunInstanceId.For(new Gale.Runs.RunKey(dagId, "r1")), RunInstanceId.For(new Gale.Runs.RunKey(dagId, "r2"))],
                instances.Select(i => i.InstanceId).Order(StringComparer.Ordinal));
            Assert.All(instances, i => Assert.Equal((nameof(DagRunOrchestrator), OrchestrationRuntimeStatus.Completed), (i.Name, i.RuntimeStatus)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
