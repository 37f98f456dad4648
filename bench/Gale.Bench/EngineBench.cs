using System.Globalization;
using System.Text.Json;
using Gale.Engine;
using Gale.Storage;
using Spectre.Console;

namespace Gale.Bench;

/// <summary>
/// <c>bench engine</c>: measures Azurite's queue ceiling (put+get+delete at concurrency 1 and 16), then the three
/// engine scenarios, and prints each scenario's figures with its ratio to the ceiling and the target.
/// </summary>
internal static class EngineBench
{
    public static async Task<int> RunAsync(StorageAccountClient account, string[] args, bool json)
    {
        var ceilingSeconds = TimeSpan.FromSeconds(double.Parse(BenchCli.Arg(args, "--ceiling-seconds") ?? "8", CultureInfo.InvariantCulture));
        var width = int.Parse(BenchCli.Arg(args, "--fan-out") ?? "1000", CultureInfo.InvariantCulture);
        var chain = int.Parse(BenchCli.Arg(args, "--chain") ?? "200", CultureInfo.InvariantCulture);
        var runs = int.Parse(BenchCli.Arg(args, "--runs") ?? "100", CultureInfo.InvariantCulture);
        var concurrency = int.Parse(BenchCli.Arg(args, "--concurrency") ?? "32", CultureInfo.InvariantCulture);
        var options = new EngineOptions { TaskConcurrency = concurrency, MaxPollInterval = TimeSpan.FromMilliseconds(100) };

        Say(json, "measuring the queue ceiling (put+get+delete) at concurrency 1 and 16…");
        var c1 = await StorageThroughput.QueueCeilingAsync(account, 1, ceilingSeconds);
        var c16 = await StorageThroughput.QueueCeilingAsync(account, 16, ceilingSeconds);
        var roundTripMs = 1000 / c1.OpsPerSecond;

        Say(json, $"(a) fan-out/fan-in of {width} no-op tasks…");
        var a = await EngineBenchmarks.RunAsync("(a) fan-out/fan-in", account, EngineBenchmarks.FanOut(width), 1, options, json);
        Say(json, $"(b) chain of {chain} no-op tasks…");
        var b = await EngineBenchmarks.RunAsync("(b) chain", account, EngineBenchmarks.Chain(chain), 1, options, json);
        Say(json, $"(c) {runs} concurrent runs of a 5-task DAG…");
        var c = await EngineBenchmarks.RunAsync("(c) concurrent runs", account, EngineBenchmarks.Small(), runs, options, json);

        var rows = new[]
        {
            (Result: a, Ratio: a.TasksPerSecond / c16.OpsPerSecond, Metric: "tasks/s ÷ c16 ceiling", Target: ">= 0.35", Met: a.TasksPerSecond / c16.OpsPerSecond >= 0.35),
            (Result: b, Ratio: b.MedianLatencyMs / roundTripMs, Metric: "median latency ÷ c1 round trip", Target: "<= 12", Met: b.MedianLatencyMs / roundTripMs <= 12),
            (Result: c, Ratio: c.TasksPerSecond / c16.OpsPerSecond, Metric: "tasks/s ÷ c16 ceiling", Target: ">= 0.25", Met: c.TasksPerSecond / c16.OpsPerSecond >= 0.25),
        };

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                queue_ceiling = new { c1_ops_per_second = c1.OpsPerSecond, c16_ops_per_second = c16.OpsPerSecond, c1_round_trip_ms = roundTripMs },
                scenarios = rows.Select(r => new
                {
                    scenario = r.Result.Scenario, tasks = r.Result.Tasks, seconds = r.Result.Seconds, tasks_per_second = r.Result.TasksPerSecond,
                    median_latency_ms = r.Result.MedianLatencyMs, p95_latency_ms = r.Result.P95LatencyMs, ratio = r.Ratio, ratio_metric = r.Metric, target = r.Target, met = r.Met,
                }),
            }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }

        AnsiConsole.MarkupLine($"Queue ceiling: c1 [bold]{c1.OpsPerSecond:F0}[/] round trips/s ({roundTripMs:F1} ms each), c16 [bold]{c16.OpsPerSecond:F0}[/]/s");
        var table = new Table().Title("Engine on Azurite");
        table.AddColumns("scenario", "tasks", "s", "tasks/s", "median ms", "p95 ms", "ratio", "target");
        foreach (var r in rows)
        {
            table.AddRow(r.Result.Scenario, r.Result.Tasks.ToString(CultureInfo.InvariantCulture), r.Result.Seconds.ToString("F1", CultureInfo.InvariantCulture),
                r.Result.TasksPerSecond.ToString("F0", CultureInfo.InvariantCulture), r.Result.MedianLatencyMs.ToString("F1", CultureInfo.InvariantCulture),
                r.Result.P95LatencyMs.ToString("F1", CultureInfo.InvariantCulture), $"{r.Ratio:F2} ({r.Metric})", $"{r.Target} {(r.Met ? "[green]met[/]" : "[red]missed[/]")}");
        }

        AnsiConsole.Write(table);
        return 0;
    }

    private static void Say(bool quiet, string text)
    {
        if (!quiet)
        {
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(text)}[/]");
        }
    }
}
