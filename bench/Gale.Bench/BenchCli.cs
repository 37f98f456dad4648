using System.Globalization;
using System.Text.Json;
using Gale.Storage;
using Gale.Storage.Local;
using Spectre.Console;

namespace Gale.Bench;

/// <summary>
/// Benchmarks (not tests): <c>dotnet run -c Release --project bench/Gale.Bench -- storage [--seconds N] [--output json]</c>.
/// Each benchmark starts its own Azurite (on disk in a temporary folder, or --in-memory) unless --storage is given.
/// </summary>
internal static class BenchCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var which = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "storage";
        var seconds = double.Parse(Arg(args, "--seconds") ?? "10", CultureInfo.InvariantCulture);
        var json = Arg(args, "--output") == "json";
        var storage = Arg(args, "--storage");
        if (which is not ("storage" or "orchestration"))
        {
            await Console.Error.WriteLineAsync($"Unknown benchmark '{which}'. Available: storage, orchestration");
            return 2;
        }

        AzuriteServer? azurite = null;
        try
        {
            StorageAccountClient account;
            if (storage is null)
            {
                azurite = await AzuriteServer.StartAsync(new AzuriteOptions { InMemory = args.Contains("--in-memory") });
                account = new StorageAccountClient(azurite.Connection, BenchOptions());
            }
            else
            {
                account = new StorageAccountClient(storage, BenchOptions());
            }

            if (which == "orchestration")
            {
                return await OrchestrationBench.RunAsync(account, args, json);
            }

            var results = await StorageThroughput.RunAllAsync(account, TimeSpan.FromSeconds(seconds), [1, 16], quiet: json);
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(results, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true }));
            }
            else
            {
                Print(results);
            }

            return 0;
        }
        finally
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }
        }
    }

    private static void Print(IReadOnlyList<ThroughputResult> results)
    {
        var table = new Table().Title("Storage client throughput against Azurite (1 KiB payloads)");
        table.AddColumns("operation", "concurrency", "ops", "seconds", "ops/s", "median ms", "p95 ms", "errors");
        foreach (var r in results)
        {
            table.AddRow(r.Operation, r.Concurrency.ToString(CultureInfo.InvariantCulture), r.Operations.ToString("N0", CultureInfo.InvariantCulture),
                r.Seconds.ToString("F1", CultureInfo.InvariantCulture), r.OpsPerSecond.ToString("F0", CultureInfo.InvariantCulture),
                r.MedianMs.ToString("F1", CultureInfo.InvariantCulture), r.P95Ms.ToString("F1", CultureInfo.InvariantCulture), r.Errors.ToString(CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{Environment.ProcessorCount} cores; client and Azurite share them.[/]");
    }

    internal static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static StorageClientOptions BenchOptions()
    {
        var options = new StorageClientOptions();
        options.AddPolicy(RequestCounter.Shared, Azure.Core.HttpPipelinePosition.PerCall);
        return options;
    }
}
