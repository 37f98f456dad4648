using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gale.Functions.Tests.Cli;
using Xunit.Abstractions;

namespace Gale.Functions.Tests.Browser;

/// <summary>
/// The web UI in headless Chromium: <c>gale serve</c> on Azurite with an API key and a small YAML DAG, driven by
/// ui.spec.mjs (playwright-core) through login, the DAG list and its tag filter, a trigger with an invalid and then a
/// valid conf, the grid turning green, the graph and Gantt tabs, a task's log, clearing a task (try 2), marking a task
/// failed, the assets page and the pause toggle. Every step leaves a full-page screenshot in
/// tests/Gale.Functions.Tests/TestResults/screenshots/ui-flow (or <c>GALE_UI_SCREENSHOTS</c>).
/// </summary>
public sealed class UiBrowserTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const string AdminKey = "ui-admin-key-0123456789";
    private const string Echoed = "hello browser from gale";

    [ChromiumFact]
    public async Task Ui_InHeadlessChromium_LogsInTriggersWatchesTheGridClearsMarksFailedAndShowsAssets()
    {
        var chromium = BrowserEnvironment.RequireChromium();
        var tools = await BrowserEnvironment.EnsurePlaywrightAsync(output.WriteLine);
        var screenshots = Environment.GetEnvironmentVariable(BrowserEnvironment.ScreenshotsVariable) is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(RepoRoot.Path, "tests", "Gale.Functions.Tests", "TestResults", "screenshots", "ui-flow");
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

        using var serve = await ServeProcess.StartAsync(folder, azurite.Server.ConnectionString, new Dictionary<string, string> { ["GALE_API_KEYS"] = $"{AdminKey}:admin" });
        try
        {
            var url = serve.Output.Select(l => Regex.Match(l, @"API (http://127\.0\.0\.1:\d+)/api/v1")).First(m => m.Success).Groups[1].Value;
            var (exitCode, stdout, stderr) = await RunSpecAsync(new Dictionary<string, string>
            {
                ["GALE_UI_URL"] = url,
                ["GALE_UI_API_KEY"] = AdminKey,
                ["GALE_UI_DAG"] = dagId,
                ["GALE_UI_RUN"] = "ui_run_1",
                ["GALE_UI_ASSET"] = asset,
                ["GALE_UI_ECHO"] = Echoed,
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
                output.WriteLine($"{(step!["ok"]!.GetValue<bool>() ? "ok  " : "FAIL")} {step["step"]} {step["name"]} ({step["ms"]} ms) {step["screenshot"]}");
            }

            Assert.True(exitCode == 0 && report["ok"]!.GetValue<bool>(),
                $"UI flow failed (exit {exitCode}): {report["message"]}\nscreenshots: {screenshots}\n{stderr}\ngale serve said:\n{string.Join('\n', serve.Output.TakeLast(40))}");
            Assert.Empty(report["page_errors"]!.AsArray());
            Assert.All(steps, s => Assert.True(File.Exists(s!["screenshot"]!.GetValue<string>()), $"no screenshot for {s["name"]}"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
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
        psi.ArgumentList.Add(Path.Combine(RepoRoot.Path, "tests", "Gale.Functions.Tests", "Browser", "ui.spec.mjs"));
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
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(6));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, stdout.ToString(), "ui.spec.mjs timed out after 6 minutes and was killed\n" + stderr);
        }

        process.WaitForExit(); // drains the redirected output
        return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
