using System.Text.Json.Nodes;

namespace Gale.Host.Tests.Cli;

/// <summary>
/// End to end: <c>gale serve</c> on Azurite with API keys, and the CLI driving it through <c>--api</c>: trigger a run and
/// watch it finish, read its task logs, clear a task and see it run again, backfill, pause. Every read command prints
/// the same JSON and exits the same way with <c>--api</c> as with <c>--storage</c>.
/// </summary>
public sealed class CliThroughApiServeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string AdminKey = "e2e-admin-key-0123456789";
    private const string ReadKey = "e2e-read-key-0123456789";

    [Fact]
    public async Task Cli_ThroughTheApiOfGaleServe_TriggersWatchesReadsLogsClearsAndMatchesStorage()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var dagId = $"cli_api_{suffix}";
        var folder = Directory.CreateTempSubdirectory("gale-cli-e2e-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "dags"));
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "cli_api.yaml"), $$$"""
            dag_id: {{{dagId}}}
            schedule: "@daily"
            start_date: 2024-01-01
            end_date: 2024-01-10
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
        using var serve = await ServeProcess.StartAsync(folder, storage, new Dictionary<string, string> { ["GALE_API_KEYS"] = $"{AdminKey}:admin,{ReadKey}:read" });
        var api = serve.Output.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"API (http://127\.0\.0\.1:\d+)/api/v1")).First(m => m.Success).Groups[1].Value;
        try
        {
            Task<(int ExitCode, string Stdout, string Stderr)> ViaApi(params string[] args) => GaleProcess.RunAsync(new Dictionary<string, string?> { ["GALE_API_KEY"] = AdminKey }, folder, [.. args, "--api", api]);
            Task<(int ExitCode, string Stdout, string Stderr)> ViaStorage(params string[] args) => GaleProcess.RunAsync(folder, [.. args, "--storage", storage]);
            Task<string> SameAsync(int exit, params string[] args) => CompareAsync(exit, ViaStorage, args);

            // Commands that read the DAG folder rather than storage (dags show, next-execution).
            Task<string> SameAsLocalAsync(int exit, params string[] args) => CompareAsync(exit, a => GaleProcess.RunAsync(folder, a), args);

            async Task<string> CompareAsync(int exit, Func<string[], Task<(int ExitCode, string Stdout, string Stderr)>> local, string[] args)
            {
                var (viaApi, viaStorage) = (await ViaApi(args), await local(args));
                Assert.True(viaApi.ExitCode == exit, $"--api {string.Join(' ', args)}: exit {viaApi.ExitCode}: {viaApi.Stderr}");
                Assert.True(viaStorage.ExitCode == exit, $"--storage {string.Join(' ', args)}: exit {viaStorage.ExitCode}: {viaStorage.Stderr}");
                Assert.Equal(viaStorage.Stdout, viaApi.Stdout);
                return viaApi.Stdout;
            }

            // Trigger through the API and wait for the run to finish.
            var (triggerExit, triggerOut, triggerErr) = await ViaApi("dags", "trigger", dagId, "--run-id", "r1", "--logical-date", "2024-01-05", "--conf", """{"who": "cli"}""", "--wait", "--output", "json");
            Assert.True(triggerExit == 0, $"exit {triggerExit}: {triggerErr}\n{string.Join('\n', serve.Output)}");
            var triggered = JsonNode.Parse(triggerOut)!;
            Assert.Equal("success", triggered["state"]!.GetValue<string>());
            Assert.Equal(["hello", "bye"], triggered["tasks"]!.AsArray().Select(t => t!["task_id"]!.GetValue<string>()));

            // Reads print the same through the API as from storage.
            await SameAsync(0, "runs", "show", dagId, "r1", "--output", "json");
            await SameAsync(0, "tasks", "states", dagId, "r1", "--output", "json");
            var runs = await SameAsync(0, "runs", "list", dagId, "--output", "json");
            Assert.Equal("manual", JsonNode.Parse(runs)!.AsArray().Single()!["run_type"]!.GetValue<string>());
            var show = await SameAsLocalAsync(0, "dags", "show", dagId, "--output", "json");
            Assert.Equal(["hello"], JsonNode.Parse(show)!["tasks"]![1]!["upstream"]!.AsArray().Select(u => u!.GetValue<string>()));
            await SameAsLocalAsync(0, "dags", "show", dagId, "--dot");
            await SameAsLocalAsync(0, "dags", "next-execution", dagId, "-n", "3", "--after", "2024-01-01T12:00:00", "--output", "json");
            var rendered = await SameAsync(0, "tasks", "render", dagId, "r1", "hello", "--output", "json");
            Assert.Equal("echo hello from 2024-01-05", JsonNode.Parse(rendered)!["rendered_fields"]!["command"]!.GetValue<string>());
            var dags = JsonNode.Parse((await ViaApi("dags", "list", "--output", "json")).Stdout)!.AsArray();
            var localDags = JsonNode.Parse((await GaleProcess.RunAsync(folder, "dags", "list", "--output", "json")).Stdout)!.AsArray();
            Assert.Equal(localDags.Single(d => d!["dag_id"]!.GetValue<string>() == dagId)!.ToJsonString(), dags.Single(d => d!["dag_id"]!.GetValue<string>() == dagId)!.ToJsonString());

            // The task's log, read through the API while nothing touches storage directly.
            var logs = await SameAsync(0, "tasks", "logs", dagId, "r1", "hello", "--output", "json");
            Assert.Contains("hello from 2024-01-05", JsonNode.Parse(logs)!["content"]!.GetValue<string>(), StringComparison.Ordinal);
            var (logExit, logText, _) = await ViaApi("tasks", "logs", dagId, "r1", "hello");
            Assert.Equal(0, logExit);
            Assert.Contains("hello from 2024-01-05", logText, StringComparison.Ordinal);

            // Clear through the API: the task runs again with try 2.
            var (clearExit, _, clearErr) = await ViaApi("tasks", "clear", dagId, "r1", "hello", "--downstream");
            Assert.True(clearExit == 0, clearErr);
            var again = await RunShow.UntilAsync(ViaApi, dagId, "r1", r => RunShow.SucceededOnTry(r, 2));
            Assert.All(again["tasks"]!.AsArray(), t => Assert.Equal((2, "success"), (t!["try_number"]!.GetValue<int>(), t["state"]!.GetValue<string>())));
            var secondTry = await SameAsync(0, "tasks", "logs", dagId, "r1", "hello", "--output", "json");
            Assert.Equal([1, 2], JsonNode.Parse(secondTry)!["tries"]!.AsArray().Select(t => t!.GetValue<int>()));

            // Backfill through the API follows the runs to the end (end_date keeps the scheduler from adding runs).
            var (backfillExit, backfillOut, backfillErr) = await ViaApi("dags", "backfill", dagId, "--from", "2024-01-01", "--to", "2024-01-02", "--output", "json");
            Assert.True(backfillExit == 0, $"exit {backfillExit}: {backfillErr}");
            Assert.Equal(["success", "success"], JsonNode.Parse(backfillOut)!.AsArray().Select(l => l!["state"]!.GetValue<string>()));
            Assert.Contains("runs finished", backfillErr, StringComparison.Ordinal); // progress on stderr
            var paused = await ViaApi("dags", "pause", dagId);
            Assert.Equal((0, $"DAG {dagId} is paused.\n"), (paused.ExitCode, paused.Stdout));
            var unpaused = await ViaApi("dags", "unpause", dagId, "--output", "json");
            Assert.Equal(0, unpaused.ExitCode);
            Assert.False(JsonNode.Parse(unpaused.Stdout)!["is_paused"]!.GetValue<bool>());

            // Errors: the same exit codes both ways; auth problems exit 1 with the API's reason.
            await SameAsync(1, "runs", "show", dagId, "no_such_run");
            await SameAsync(1, "runs", "event", dagId, "no_such_run", "go");
            await SameAsync(2, "runs", "list", dagId, "--state", "sleeping");
            var readOnly = await GaleProcess.RunAsync(new Dictionary<string, string?> { ["GALE_API_KEY"] = ReadKey }, folder, "dags", "pause", dagId, "--api", api);
            Assert.Equal(1, readOnly.ExitCode);
            Assert.Contains("403", readOnly.Stderr, StringComparison.Ordinal);
            var both = await GaleProcess.RunAsync(folder, "runs", "list", dagId, "--api", api, "--storage", storage);
            Assert.Equal(2, both.ExitCode);
            var folderWithApi = await ViaApi("dags", "show", dagId, "--dags-folder", "elsewhere");
            Assert.Equal(2, folderWithApi.ExitCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
