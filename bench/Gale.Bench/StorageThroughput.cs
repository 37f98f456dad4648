using System.Diagnostics;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Gale.Storage;
using Gale.Storage.Tables;
using Spectre.Console;

namespace Gale.Bench;

/// <summary>One measured operation at one concurrency.</summary>
public sealed record ThroughputResult(string Operation, int Concurrency, long Operations, double Seconds, double OpsPerSecond, double MedianMs, double P95Ms, long Errors);

/// <summary>
/// Measures the Azure SDK storage clients' raw throughput: table inserts, queue put+get+delete round trips and blob puts.
/// The queue figure is the ceiling the engine's benchmarks compare themselves against.
/// </summary>
public static class StorageThroughput
{
    private static readonly string Payload = new('x', 512); // 1 KiB as UTF-16 in a table, ~1 KiB on the wire elsewhere

    public static async Task<IReadOnlyList<ThroughputResult>> RunAllAsync(StorageAccountClient account, TimeSpan duration, int[] concurrencies, bool quiet)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var table = account.GetTableClient("bench" + suffix);
        var queue = account.GetQueueClient("bench-" + suffix);
        var container = account.GetBlobContainerClient("bench-" + suffix);
        await table.CreateIfNotExistsAsync();
        await queue.CreateIfNotExistsAsync();
        await container.CreateIfNotExistsAsync();
        var blobBody = BinaryData.FromString(new string('x', 1024));

        var cases = new List<(string Name, Func<int, long, Task> Op)>
        {
            ("table insert", (worker, i) => table.InsertAsync(new TableEntity($"{worker}-{Guid.NewGuid():N}", i.ToString("D12", System.Globalization.CultureInfo.InvariantCulture)) { ["Payload"] = Payload })),
            ("queue put+get+delete", (_, _) => QueueRoundTripAsync(queue)),
            ("blob put", (worker, i) => container.GetBlobClient($"w{worker}/{Guid.NewGuid():N}").UploadAsync(blobBody, new BlobUploadOptions())),
        };

        var results = new List<ThroughputResult>();
        foreach (var concurrency in concurrencies)
        {
            foreach (var (name, op) in cases)
            {
                if (!quiet)
                {
                    AnsiConsole.MarkupLine($"[grey]measuring {name} at concurrency {concurrency} for {duration.TotalSeconds:0} s…[/]");
                }

                results.Add(await MeasureAsync(name, concurrency, duration, op));
            }
        }

        await table.DeleteAsync();
        await queue.DeleteAsync();
        await container.DeleteAsync();
        return results;
    }

    /// <summary>Measures only the queue round trip (used by the engine benchmarks to report ratios).</summary>
    public static async Task<ThroughputResult> QueueCeilingAsync(StorageAccountClient account, int concurrency, TimeSpan duration)
    {
        var queue = account.GetQueueClient("ceiling-" + Guid.NewGuid().ToString("N")[..8]);
        await queue.CreateIfNotExistsAsync();
        try
        {
            return await MeasureAsync("queue put+get+delete", concurrency, duration, (_, _) => QueueRoundTripAsync(queue));
        }
        finally
        {
            await queue.DeleteAsync();
        }
    }

    private static async Task QueueRoundTripAsync(QueueClient queue)
    {
        await queue.SendMessageAsync(Payload + Payload);
        while (true)
        {
            var received = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30))).Value;
            if (received.Length == 1)
            {
                await queue.DeleteMessageAsync(received[0].MessageId, received[0].PopReceipt);
                return;
            }
        }
    }

    private static async Task<ThroughputResult> MeasureAsync(string name, int concurrency, TimeSpan duration, Func<int, long, Task> op)
    {
        var latencies = new List<double>[concurrency];
        long errors = 0;
        var total = Stopwatch.StartNew();
        var deadline = total.Elapsed + duration;
        var workers = Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var mine = latencies[worker] = [];
            for (long i = 0; total.Elapsed < deadline; i++)
            {
                var start = total.Elapsed;
                try
                {
                    await op(worker, i);
                    mine.Add((total.Elapsed - start).TotalMilliseconds);
                }
                catch (Azure.RequestFailedException e)
                {
                    if (Interlocked.Increment(ref errors) == 1)
                    {
                        Console.Error.WriteLine($"{name}: first error: {e.Message}");
                    }
                }
            }
        });
        await Task.WhenAll(workers);
        var seconds = total.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new ThroughputResult(name, concurrency, all.Length, seconds, all.Length / seconds, Percentile(all, 0.5), Percentile(all, 0.95), errors);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
