using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gale.Host.Tests.Cli;
using Xunit.Abstractions;

namespace Gale.Host.Tests.Browser;

/// <summary>
/// The web UI in headless Chromium: one <c>gale serve</c> on Azurite with an API key and small YAML DAGs, driven by
/// ui.spec.mjs (playwright-core). The core flow: login, the DAG list and its tag filter, a trigger with an invalid and
/// then a valid conf, the grid turning green, the graph and Gantt tabs, a task's log, clearing a task (try 2), marking
/// a task failed, the assets page. Then independent flows: the import errors banner naming a broken file, the grid
/// refreshing by itself from running to success, mark success on a failed task, a collapsible task group and a mapped
/// task's count, an external event resuming a deferred task, a blob watcher's watermark and reset, and pause/unpause
/// from the list and the DAG page across reloads. Every step leaves a full-page screenshot in
/// tests/Gale.Host.Tests/TestResults/screenshots/ui-flow (or <c>GALE_UI_SCREENSHOTS</c>).
/// </summary>
public sealed class UiBrowserTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const string Echoed = "hello browser from gale";

    [ChromiumFact]
    public async Task Ui_InHeadlessChromium_EveryFlowAPersonCanDoPasses()
    {
        var chromium = BrowserEnvironment.RequireChromium();
        var tools = await BrowserEnvironment.EnsurePlaywrightAsync(output.WriteLine);
        var screenshots = Environment.GetEnvironmentVariable(BrowserEnvironment.ScreenshotsVariable) is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(RepoRoot.Path, "tests", "Gale.Host.Tests", "TestResults", "screenshots", "ui-flow");
        output.WriteLine($"Chromium: {chromium}; playwright-core: {tools}; screenshots: {screenshots}");
        Directory.CreateDirectory(screenshots);
        File.Delete(Path.Combine(screenshots, "report.json")); // never read a previous run's report

        var suffix = Guid.NewGuid().ToString("N")[..8];
        var dagId = $"ui_e2e_{suffix}";
        var asset = $"wasb://ui-tests/{suffix}/";
        var folder = Directory.CreateTempSubdirectory("gale-ui-e2e-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "dags"));
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "ui_e2e.yaml"), $$$"""
            dag_id: {{{dagId}}}
            description: Browser test DAG
            doc_md: "Two shell tasks; **hello** echoes a param."
            schedule: null
            start_date: 2024-01-01
            is_paused_upon_creation: false
            tags: [uitest, e2e]
            params:
              who: {type: string, default: world}
              times: {type: integer, default: 1, minimum: 1, maximum: 5}
            tasks:
              - id: hello
                operator: shell
                command: "echo hello {{ params.who }} from gale"
                outlets: [{{{asset}}}]
              - id: bye
                operator: shell
                command: "echo bye {{ params.times }}"
                upstream: [hello]
            """);

        // The other flows' DAGs, and a file that fails to load (an unknown upstream) for the import errors banner.
        var shapesDag = $"ui_shapes_{suffix}";
        var liveDag = $"ui_live_{suffix}";
        var eventDag = $"ui_event_{suffix}";
        var watcher = $"ui_watch_{suffix}";
        var brokenFile = $"ui_broken_{suffix}.yaml";
        var container = await azurite.NewContainerAsync(); // the watcher's; it holds one blob before gale serve starts
        await container.GetBlobClient("in/first.csv").UploadAsync(BinaryData.FromString("id\n1\n"), overwrite: true);
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "ui_shapes.yaml"), $$$"""
            dag_id: {{{shapesDag}}}
            description: A task group and a mapped task
            schedule: null
            start_date: 2024-01-01
            is_paused_upon_creation: false
            tags: [uitest]
            tasks:
              - id: users
                group: extract
                operator: shell
                command: "echo users"
              - id: orders
                group: extract
                operator: shell
                command: "echo orders"
              - id: each
                operator: shell
                command: "echo item $N"
                expand:
                  n: ["1", "2", "3"]
                upstream: [extract]
            """);
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "ui_live.yaml"), $$$"""
            dag_id: {{{liveDag}}}
            description: A task that runs for a few seconds, then one that fails
            schedule: null
            start_date: 2024-01-01
            is_paused_upon_creation: false
            tags: [uitest]
            tasks:
              - id: slow
                operator: shell
                command: "sleep 5"
              - id: boom
                operator: shell
                command: "echo failing on purpose; exit 3"
                retries: 0
                upstream: [slow]
            """);
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "ui_event.yaml"), $$$"""
            dag_id: {{{eventDag}}}
            description: Waits for an external approve event
            schedule: null
            start_date: 2024-01-01
            is_paused_upon_creation: false
            tags: [uitest]
            tasks:
              - id: prepare
                operator: shell
                command: "echo ready"
              - id: wait
                operator: wait_for_event
                event: approve
                timeout: 10m
                upstream: [prepare]
              - id: publish
                operator: shell
                command: >-
                  echo "approved by {{ ti.xcom_pull(task_ids='wait') }}"
                upstream: [wait]
            """);
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "ui_watch.yaml"), $$$"""
            dag_id: ui_watch_dag_{{{suffix}}}
            description: Runs when a blob lands in the watched container
            schedule:
              assets: ui_in
            is_paused_upon_creation: false
            tags: [uitest]
            watchers:
              - name: {{{watcher}}}
                type: blob
                container: {{{container.Name}}}
                prefix: in/
                poll_interval: 1s
                assets: [{uri: "wasb://{{{container.Name}}}/in/", name: ui_in}]
            tasks:
              - id: load
                operator: shell
                command: "echo loaded"
            """);
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", brokenFile), $$$"""
            dag_id: ui_broken_{{{suffix}}}
            schedule: null
            start_date: 2024-01-01
            tasks:
              - id: orphan
                operator: shell
                command: "echo never"
                upstream: [no_such_task]
            """);

        // No GALE_API_KEYS: a fresh folder, so gale serve makes its first-run key and prints the URL that logs in.
        using var serve = await ServeProcess.StartAsync(folder, azurite.Server.ConnectionString, new Dictionary<string, string>());
        try
        {
            var url = serve.Output.Select(l => Regex.Match(l, @"API (http://127\.0\.0\.1:\d+)/api/v1")).First(m => m.Success).Groups[1].Value;
            var loginUrl = await serve.WaitForLineAsync(@"^UI: (http://127\.0\.0\.1:\d+/ui/#key=\S+)$");
            var printedKey = await serve.WaitForLineAsync(@"^GALE_API_KEY=(\S+)$");
            Assert.Equal(printedKey, (await File.ReadAllTextAsync(Path.Combine(folder, ".gale", "api-key"))).Trim());
            var (exitCode, stdout, stderr) = await RunSpecAsync(new Dictionary<string, string>
            {
                ["GALE_UI_URL"] = url,
                ["GALE_UI_LOGIN_URL"] = loginUrl,
                ["GALE_UI_API_KEY"] = printedKey,
                ["GALE_UI_DAG"] = dagId,
                ["GALE_UI_RUN"] = "ui_run_1",
                ["GALE_UI_ASSET"] = asset,
                ["GALE_UI_ECHO"] = Echoed,
                ["GALE_UI_BROKEN_FILE"] = brokenFile,
                ["GALE_UI_SHAPES_DAG"] = shapesDag,
                ["GALE_UI_LIVE_DAG"] = liveDag,
                ["GALE_UI_EVENT_DAG"] = eventDag,
                ["GALE_UI_WATCHER"] = watcher,
                ["GALE_UI_WATCHED_BLOB"] = "in/first.csv",
                ["GALE_UI_SCREENSHOTS"] = screenshots,
                [BrowserEnvironment.ChromiumVariable] = chromium,
                ["GALE_BROWSER_TOOLS"] = tools,
            });
            output.WriteLine(stdout);
            output.WriteLine(stderr);

            var reportPath = Path.Combine(screenshots, "report.json");
            Assert.True(File.Exists(reportPath), $"ui.spec.mjs wrote no report (exit {exitCode}):\n{stderr}\n{stdout}");
            var report = JsonNode.Parse(await File.ReadAllTextAsync(reportPath))!;
            var steps = report["steps"]!.AsArray();
            foreach (var step in steps)
            {
                output.WriteLine($"{(step!["ok"]!.GetValue<bool>() ? "ok  " : "FAIL")} {step["step"]} [{step["flow"]}] {step["name"]} ({step["ms"]} ms) {step["screenshot"]}{(step["error"] is { } error ? $"\n     {error}" : "")}");
            }

            foreach (var flow in report["flows"]!.AsArray())
            {
                output.WriteLine($"flow {flow!["name"]}: {(flow["ok"]!.GetValue<bool>() ? "ok" : "FAILED")} ({flow["ms"]} ms)");
            }

            foreach (var note in report["notes"]?.AsArray() ?? [])
            {
                output.WriteLine($"note: {note}");
            }

            Assert.True(exitCode == 0 && report["ok"]!.GetValue<bool>(),
                $"UI flow failed (exit {exitCode}): {report["message"]}\nscreenshots: {screenshots}\n{stderr}\ngale serve said:\n{string.Join('\n', serve.Output.TakeLast(40))}");
            Assert.Equal(["core", "import-errors", "live", "groups-and-mapping", "external-event", "watchers", "pause"], report["flows"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()));
            Assert.Empty(report["page_errors"]!.AsArray());
            Assert.All(steps, s => Assert.True(File.Exists(s!["screenshot"]!.GetValue<string>()), $"no screenshot for {s["name"]}"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            await container.DeleteAsync();
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunSpecAsync(IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(RepoRoot.Path, "tests", "Gale.Host.Tests", "Browser", "ui.spec.mjs"));
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }

        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Every wait in the script is bounded; this only catches a hung browser.
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(12));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, stdout.ToString(), "ui.spec.mjs timed out after 12 minutes and was killed\n" + stderr);
        }

        process.WaitForExit(); // drains the redirected output
        return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
