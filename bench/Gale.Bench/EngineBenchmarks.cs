using System.Diagnostics;
using Gale.Dags;
using Gale.Engine;
using Gale.Runs;
using Gale.Storage;
using Gale.Storage.Engine;
using Spectre.Console;

namespace Gale.Bench;

/// <summary>One engine scenario's figures.</summary>
public sealed record EngineResult(string Scenario, int Tasks, double Seconds, double TasksPerSecond, double MedianLatencyMs, double P95LatencyMs);

/// <summary>
/// The engine against Azurite: (a) fan-out/fan-in of 1,000 no-op tasks, (b) a chain of 200 no-op tasks,
/// (c) 100 concurrent runs of a 5-task DAG. Latency is task-to-task: a task's start minus the latest end of its upstream tasks.
/// </summary>
public static class EngineBenchmarks
{
    public static Dag FanOut(int width)
    {
        // Limits stay on (every attempt takes its slots) but max_active_tasks does not cap the fan-out.
        var builder = Dag.Create("bench_fan_out").With(s => s with { MaxActiveTasks = width + 2 }).Task("start", _ => { });
        var middle = Enumerable.Range(0, width).Select(i => $"t{i:D5}").ToArray();
        foreach (var id in middle)
        {
            builder.Task(id, _ => { }, after: "start");
        }

        return builder.Task("end", _ => { }, after: middle).Build();
    }

    public static Dag Chain(int length)
    {
        var builder = Dag.Create("bench_chain");
        for (var i = 0; i < length; i++)
        {
            builder.Task($"s{i:D4}", _ => { }, after: i == 0 ? default : (TaskIds)$"s{i - 1:D4}");
        }

        return builder.Build();
    }

    public static Dag Small() => Dag.Create("bench_small").With(s => s with { MaxActiveTasks = 1000, MaxActiveRuns = 1000 })
        .Task("a", _ => { }).Task("b", _ => { }, after: "a").Task("c", _ => { }, after: "a")
        .Task("d", _ => { }, after: ["b", "c"]).Task("e", _ => { }, after: "d").Build();

    public static async Task<EngineResult> RunAsync(string scenario, StorageAccountClient account, Dag dag, int runs, EngineOptions options, bool quiet)
    {
        await GaleStorageLayout.EnsureCreatedAsync(account);
        var store = StorageEngine.RunStore(account);
        await using var host = StorageEngine.CreateHost(account, new DagBag([dag]), options);
        host.Start();
        var keys = Enumerable.Range(0, runs).Select(i => new RunKey(dag.DagId, $"bench__{Guid.NewGuid():N}")).ToList();
        var finished = 0;
        var allDone = new TaskCompletionSource();
        host.Engine.RunCompleted += f =>
        {
            if (keys.Contains(f.Run) && Interlocked.Increment(ref finished) == runs)
            {
                allDone.TrySetResult();
            }
        };
        var watch = Stopwatch.StartNew();
        RequestCounter.Shared.Take();
        await Task.WhenAll(keys.Select(k => host.Engine.CreateRunAsync(dag, new DagRun { DagId = k.DagId, RunId = k.RunId, QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow })));

        // Progress comes from the engine's own completion events, so watching adds no load on storage.
        var total = dag.TopologicalOrder.Count * runs;
        if (quiet)
        {
            await allDone.Task.WaitAsync(TimeSpan.FromMinutes(15));
        }
        else
        {
            await AnsiConsole.Progress().AutoClear(true).StartAsync(async ctx =>
            {
                var bar = ctx.AddTask($"{scenario}: runs finished", maxValue: runs);
                while (!allDone.Task.IsCompleted)
                {
                    bar.Value = Volatile.Read(ref finished);
                    await Task.WhenAny(allDone.Task, Task.Delay(250));
                    if (watch.Elapsed > TimeSpan.FromMinutes(15))
                    {
                        throw new TimeoutException($"{scenario} did not finish in 15 minutes.");
                    }
                }

                bar.Value = runs;
            });
        }

        var requests = RequestCounter.Shared.Take();
        var snapshots = (await Task.WhenAll(keys.Select(k => store.LoadAsync(k)))).Select(s => s!).ToList();
        await Console.Error.WriteLineAsync($"{scenario}: {host.Engine.Stats}");
        await Console.Error.WriteLineAsync($"{scenario}: {requests.Values.Sum() / (double)total:F1} storage requests per task ({string.Join(", ", requests.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value / (double)total:F2}"))})");
        if (snapshots.Any(s => s.Run.State != DagRunState.Success))
        {
            throw new InvalidOperationException($"{scenario}: a run failed.");
        }

        var first = snapshots.Min(s => s.Tasks.Values.Min(t => t.StartDate!.Value));
        var last = snapshots.Max(s => s.Tasks.Values.Max(t => t.EndDate!.Value));
        var seconds = (last - first).TotalSeconds;
        var latencies = snapshots.SelectMany(s => dag.TopologicalOrder.Where(t => t.Upstream.Count > 0).Select(t =>
            (s.Find(new(t.TaskId))!.StartDate!.Value - t.Upstream.Max(u => s.Find(new(u))!.EndDate!.Value)).TotalMilliseconds)).Order().ToArray();
        return new EngineResult(scenario, total, seconds, total / seconds, Percentile(latencies, 0.5), Percentile(latencies, 0.95));
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
