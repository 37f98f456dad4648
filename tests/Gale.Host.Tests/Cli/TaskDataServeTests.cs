using System.Net;
using System.Text;
using System.Text.Json;

namespace Gale.Host.Tests.Cli;

/// <summary>
/// Issue 5 end to end on Azurite: variables set with the CLI, a GALE_VAR_ setting, templates, a masked secret,
/// an http task against a local server, a trigger_dagrun that waits, and `gale tasks logs|render`.
/// </summary>
public sealed class TaskDataServeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Secret = "serve-secret-Zk81qP";

    [Fact]
    public async Task Serve_TemplatedHttpAndTriggerDag_LogsAndRenderedFieldsShowMaskedValues()
    {
        var folder = Directory.CreateTempSubdirectory("gale-taskdata-").FullName;
        using var http = new HttpListener();
        var httpPort = LoopbackPort.Free();
        http.Prefixes.Add($"http://127.0.0.1:{httpPort}/");
        http.Start();
        var requests = new List<string>();
        _ = Task.Run(async () =>
        {
            while (http.IsListening)
            {
                var context = await http.GetContextAsync();
                lock (requests)
                {
                    requests.Add(context.Request.Url!.PathAndQuery);
                }

                var body = Encoding.UTF8.GetBytes("""{"rows": 12}""");
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });
        Directory.CreateDirectory(Path.Combine(folder, "dags"));
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "task_data.yaml"), $$$"""
            dag_id: task_data
            params:
              greeting: hello
            tasks:
              - id: produce
                operator: shell
                command: "echo {{ params.greeting }} {{ var.value.region }} {{ var.value.from_env }} {{ var.value.api_secret }}"
              - id: call
                operator: http
                method: GET
                url: "http://127.0.0.1:{{{httpPort}}}/stats?day={{ ds }}&greeting={{ ti.xcom_pull(task_ids='produce') | urlencode }}"
                response_filter: /rows
                upstream: produce
              - id: kick
                operator: trigger_dagrun
                trigger_dag_id: example_etl
                trigger_run_id: "from_task_data__{{ ds_nodash }}_{{ ti.xcom_pull(task_ids='call') }}"
                wait_for_completion: true
                poke_interval: 2s
                upstream: call
            """);
        var storage = azurite.Server.ConnectionString;
        try
        {
            Assert.Equal(0, (await GaleProcess.RunAsync(folder, "variables", "set", "region", "westeurope", "--storage", storage)).ExitCode);
            Assert.Equal(0, (await GaleProcess.RunAsync(folder, "variables", "set", "api_secret", Secret, "--description", "test secret", "--storage", storage)).ExitCode);
            var (listExit, listOut, _) = await GaleProcess.RunAsync(folder, "variables", "list", "--storage", storage, "--output", "json");
            Assert.Equal(0, listExit);
            using (var list = JsonDocument.Parse(listOut))
            {
                var byKey = list.RootElement.EnumerateArray().ToDictionary(v => v.GetProperty("key").GetString()!, v => v.GetProperty("value").GetString());
                Assert.Equal(("westeurope", "***"), (byKey["region"], byKey["api_secret"]));
            }

            using var serve = await ServeProcess.StartAsync(folder, storage, new Dictionary<string, string> { ["GALE_VAR_FROM_ENV"] = "env-value" });
            var (exit, stdout, stderr) = await GaleProcess.RunAsync(folder, "dags", "trigger", "task_data", "--wait", "--logical-date", "2024-07-04", "--storage", storage, "--output", "json");
            Assert.True(exit == 0, $"exit {exit}: {stdout} {stderr} serve: {string.Join('\n', serve.Output)}");
            var runId = JsonDocument.Parse(stdout).RootElement.GetProperty("run_id").GetString()!;

            lock (requests)
            {
                Assert.Equal("/stats?day=2024-07-04&greeting=hello%20westeurope%20env-value%20" + Secret, Assert.Single(requests));
            }

            var (logExit, log, logErr) = await GaleProcess.RunAsync(folder, "tasks", "logs", "task_data", runId, "produce", "--storage", storage);
            Assert.True(logExit == 0, logErr);
            Assert.Contains("hello westeurope env-value ***", log, StringComparison.Ordinal);
            Assert.Contains("Marking task as SUCCESS", log, StringComparison.Ordinal);

            var (renderExit, renderOut, renderErr) = await GaleProcess.RunAsync(folder, "tasks", "render", "task_data", runId, "call", "--storage", storage, "--output", "json");
            Assert.True(renderExit == 0, renderErr);
            var url = JsonDocument.Parse(renderOut).RootElement.GetProperty("rendered_fields").GetProperty("url").GetString();
            Assert.Equal($"http://127.0.0.1:{httpPort}/stats?day=2024-07-04&greeting=hello%20westeurope%20env-value%20***", url);

            var child = await serve.Runs().LoadAsync(new Gale.Runs.RunKey("example_etl", "from_task_data__20240704_12"));
            Assert.Equal(Gale.Runs.DagRunState.Success, child!.Run.State);

            var logs = azurite.Account.GetBlobContainerClient("logs");
            var count = 0;
            await foreach (var blob in logs.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"dag_id=task_data/run_id={runId}/", CancellationToken.None))
            {
                var download = await logs.GetBlobClient(blob.Name).DownloadContentAsync();
                Assert.DoesNotContain(Secret, download.Value.Content.ToString(), StringComparison.Ordinal);
                count++;
            }

            Assert.Equal(3, count);
            var (missingExit, _, missingErr) = await GaleProcess.RunAsync(folder, "tasks", "logs", "task_data", runId, "produce", "--try", "5", "--storage", storage);
            Assert.Equal(1, missingExit);
            Assert.Contains("tries with logs: 1", missingErr, StringComparison.Ordinal);
        }
        finally
        {
            http.Stop();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Variables_GetDelete_ExitCodesFollowExistence()
    {
        var storage = azurite.Server.ConnectionString;
        var key = "var_" + Guid.NewGuid().ToString("N")[..8];

        Assert.Equal(0, (await GaleProcess.RunAsync(Path.GetTempPath(), "variables", "set", key, """{"a": 1}""", "--storage", storage)).ExitCode);
        var (getExit, getOut, _) = await GaleProcess.RunAsync(Path.GetTempPath(), "variables", "get", key, "--storage", storage);
        var (deleteExit, _, _) = await GaleProcess.RunAsync(Path.GetTempPath(), "variables", "delete", key, "--storage", storage);
        var (againExit, _, againErr) = await GaleProcess.RunAsync(Path.GetTempPath(), "variables", "get", key, "--storage", storage);

        Assert.Equal((0, """{"a": 1}"""), (getExit, getOut.Trim()));
        Assert.Equal(0, deleteExit);
        Assert.Equal(1, againExit);
        Assert.Contains($"variable '{key}' does not exist", againErr, StringComparison.Ordinal);
    }
}
