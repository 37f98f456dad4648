using System.Globalization;
using System.Text.Json;
using Gale.Orchestration.AzureStorage;
using Gale.Storage;
using Spectre.Console;

namespace Gale.Bench;

/// <summary>
/// <c>bench orchestration</c>: the three shapes measured in one sitting on the same Azurite, side by side: the bare
/// Durable Task runtime (no Gale code) and Gale's orchestrator on that runtime, with the queue ceiling of the run.
/// Settings: <c>--partitions</c>, <c>--polling-ms</c>, <c>--extended-sessions</c>; <c>--columns bare,gale</c> and
/// <c>--shapes a,b,c</c> measure a subset.
/// </summary>
internal static class OrchestrationBench
{
    public static async Task<int> RunAsync(StorageAccountClient account, string[] args, bool json)
    {
        var width = int.Parse(BenchCli.Arg(args, "--fan-out") ?? "1000", CultureInfo.InvariantCulture);
        var chain = int.Parse(BenchCli.Arg(args, "--chain") ?? "200", CultureInfo.InvariantCulture);
        var runs = int.Parse(BenchCli.Arg(args, "--runs") ?? "100", CultureInfo.InvariantCulture);
        var hub = new TaskHubOptions
        {
            PartitionCount = int.Parse(BenchCli.Arg(args, "--partitions") ?? "4", CultureInfo.InvariantCulture),
            MaxQueuePollingInterval = TimeSpan.FromMilliseconds(int.Parse(BenchCli.Arg(args, "--polling-ms") ?? "100", CultureInfo.InvariantCulture)),
            ExtendedSessions = args.Contains("--extended-sessions"),
            MaxConcurrentActivities = 32,
        };
        var columns = (BenchCli.Arg(args, "--columns") ?? "bare,gale").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shapeFilter = BenchCli.Arg(args, "--shapes") ?? "a,b,c";

        Say(json, "measuring the queue ceiling (put+get+delete) at concurrency 1 and 16…");
        var c1 = await StorageThroughput.QueueCeilingAsync(account, 1, TimeSpan.FromSeconds(8));
        var c16 = await StorageThroughput.QueueCeilingAsync(account, 16, TimeSpan.FromSeconds(8));
        var shapes = new (string Name, Gale.Dags.Dag Dag, string Bare, int Size, int Runs)[]
        {
            ($"(a) fan-out/fan-in of {width}", BenchShapes.FanOut(width), "fan-out", width, 1),
            ($"(b) chain of {chain}", BenchShapes.Chain(chain), "chain", chain, 1),
            ($"(c) {runs} concurrent 5-task runs", BenchShapes.Small(), "diamond", 5, runs),
        };
        var rows = new List<(string Shape, BenchResult Bare, BenchResult Gale)>();
        foreach (var (name, dag, bare, size, count) in shapes.Where(s => shapeFilter.Contains(s.Name[1], StringComparison.Ordinal)))
        {
            var b = await Column(json, columns, "bare", $"{name}: bare Durable Task runtime…", () => OrchestrationBenchmarks.BareAsync(name, account.Connection, hub, bare, size, count));
            var g = await Column(json, columns, "gale", $"{name}: Gale's orchestrator…", () => OrchestrationBenchmarks.GaleAsync(name, account.Connection, hub, dag, count));
            rows.Add((name, b, g));
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                queue_ceiling = new { c1 = c1.OpsPerSecond, c16 = c16.OpsPerSecond },
                settings = new { hub.PartitionCount, polling_ms = hub.MaxQueuePollingInterval.TotalMilliseconds, hub.ExtendedSessions, hub.MaxConcurrentActivities, hub.MaxConcurrentOrchestrations },
                shapes = rows.Select(r => new { shape = r.Shape, bare = r.Bare, gale = r.Gale }),
            }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
            return 0;
        }

        AnsiConsole.MarkupLine($"Queue ceiling: c1 [bold]{c1.OpsPerSecond:F0}[/]/s ({1000 / c1.OpsPerSecond:F1} ms a round trip), c16 [bold]{c16.OpsPerSecond:F0}[/]/s. Task hub: {hub.PartitionCount} partitions, polling ≤ {hub.MaxQueuePollingInterval.TotalMilliseconds} ms, extended sessions {(hub.ExtendedSessions ? "on" : "off")}, {hub.MaxConcurrentActivities} activities, {hub.MaxConcurrentOrchestrations} episodes at once.");
        var table = new Table().Title("Bare Durable Task runtime and Gale's orchestrator on Azurite");
        table.AddColumns("shape", "bare tasks/s", "Gale tasks/s", "Gale ÷ bare", "Gale ÷ c16", "bare med/p95 ms", "Gale med/p95 ms");
        foreach (var r in rows)
        {
            table.AddRow(r.Shape, F(r.Bare.TasksPerSecond), F(r.Gale.TasksPerSecond), (r.Gale.TasksPerSecond / r.Bare.TasksPerSecond).ToString("F2", CultureInfo.InvariantCulture),
                (r.Gale.TasksPerSecond / c16.OpsPerSecond).ToString("F2", CultureInfo.InvariantCulture),
                $"{F(r.Bare.MedianLatencyMs)} / {F(r.Bare.P95LatencyMs)}", $"{F(r.Gale.MedianLatencyMs)} / {F(r.Gale.P95LatencyMs)}");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]Latency: a task's start minus its upstream's end. Bare: when the orchestration scheduled the activity; Gale: when the worker started the try, its slots taken.[/]");
        return 0;
    }

    // A column left out (--columns) shows as NaN.
    private static async Task<BenchResult> Column(bool json, string[] columns, string column, string progress, Func<Task<BenchResult>> measure)
    {
        if (!columns.Contains(column, StringComparer.Ordinal))
        {
            return new BenchResult(column, 0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        Say(json, progress);
        return await measure();
    }

    private static string F(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

    private static void Say(bool json, string text)
    {
        if (!json)
        {
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
        }
    }
}
