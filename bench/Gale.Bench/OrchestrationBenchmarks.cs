using System.Diagnostics;
using System.Text.Json;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.AzureStorage.Tracking;
using Gale.Dags;
using Gale.Engine;
using Gale.Orchestration.AzureStorage;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Gale.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Bench;

/// <summary>
/// The same three shapes on the Durable Task runtime over Azure Storage (Azurite): the bare runtime (trivial
/// orchestrations of no-op activities, no Gale code) and Gale's <see cref="DagRunOrchestrator"/>, with the same task
/// hub settings. Latency is task-to-task as the orchestration sees it: when the next try is scheduled minus when the
/// upstream try's activity ended.
/// </summary>
public static class OrchestrationBenchmarks
{
    /// <summary>Gale's orchestrator: <paramref name="runs"/> runs of <paramref name="dag"/>, started together.</summary>
    public static async Task<BenchResult> GaleAsync(string scenario, StorageConnection connection, TaskHubOptions options, Dag dag, int runs)
    {
        var bag = new DagBag([dag]);
        // The same storage-backed services as gale serve (task logs in blobs, XComs and
        // slots in tables), so the columns compare like with like.
        var account = new StorageAccountClient(connection);
        await GaleStorageLayout.EnsureCreatedAsync(account); // the tables and containers the services write to
        var services = Gale.Storage.Engine.StorageEngine.Services(account);
        await using var hub = await AzureStorageTaskHub.StartAsync(connection, options with { HubName = "g" + Guid.NewGuid().ToString("N")[..10] }, bag, services, TimeProvider.System);
        var prefix = $"bench__{Guid.NewGuid():N}_";
        var watch = Stopwatch.StartNew();
        var ids = new List<string>();
        for (var i = 0; i < runs; i++)
        {
            var run = new DagRun { DagId = dag.DagId, RunId = $"{prefix}{i}", QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow };
            ids.Add(RunInstanceId.For(run.Key));
            await OrchestratedRuns.StartAsync(hub.Client, run);
        }

        await WaitAllAsync(hub.Service, RunInstanceId.PrefixFor(dag.DagId) + prefix, runs, scenario, watch);
        var statuses = new List<RunStatus>();
        foreach (var id in ids)
        {
            var status = (await OrchestratedRuns.GetAsync(hub.Client, RunInstanceId.Parse(id)!.Value))!.Value.Status!;
            if (status.State != DagRunState.Success)
            {
                throw new InvalidOperationException($"{scenario}: run {id} ended {status.State}");
            }

            statuses.Add(status);
        }

        var first = statuses.Min(s => s.Tasks.Min(t => t.StartDate!.Value));
        var last = statuses.Max(s => s.Tasks.Max(t => t.EndDate!.Value));
        var latencies = statuses.SelectMany(s => dag.TopologicalOrder.Where(t => t.Upstream.Count > 0).Select(t =>
            (s.Tasks.Single(x => x.TaskId == t.TaskId).StartDate!.Value - t.Upstream.Max(u => s.Tasks.Single(x => x.TaskId == u).EndDate!.Value)).TotalMilliseconds)).Order().ToArray();
        var total = dag.TopologicalOrder.Count * runs;
        return new BenchResult(scenario, total, (last - first).TotalSeconds, total / (last - first).TotalSeconds, Percentile(latencies, 0.5), Percentile(latencies, 0.95));
    }

    /// <summary>The bare runtime: the same shape as plain activities, no Gale code. <paramref name="shape"/> is fan-out, chain or diamond.</summary>
    public static async Task<BenchResult> BareAsync(string scenario, StorageConnection connection, TaskHubOptions options, string shape, int size, int runs)
    {
        var settings = AzureStorageTaskHub.Settings(connection, options with { HubName = "b" + Guid.NewGuid().ToString("N")[..10] });
        var service = new AzureStorageOrchestrationService(settings);
        await service.CreateIfNotExistsAsync();
        var shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions(), NullLoggerFactory.Instance);
        var worker = new TaskHubWorker(service, NullLoggerFactory.Instance);
        worker.AddTaskOrchestrations(new NamedTaskCreator<TaskOrchestration>("Bare", () => shims.CreateOrchestration("Bare", new BareOrchestrator())));
        worker.AddTaskActivities(new NamedTaskCreator<DurableTask.Core.TaskActivity>("Noop", () => shims.CreateActivity("Noop", new Noop())));
        await worker.StartAsync();
        try
        {
            var client = new TaskHubClient(service);
            var prefix = $"bare_{Guid.NewGuid():N}_";
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < runs; i++)
            {
                await client.CreateOrchestrationInstanceAsync("Bare", string.Empty, $"{prefix}{i}", new BareInput(shape, size));
            }

            await WaitAllAsync(service, prefix, runs, scenario, watch);
            var outputs = new List<BareOutput>();
            for (var i = 0; i < runs; i++)
            {
                var state = await client.GetOrchestrationStateAsync($"{prefix}{i}");
                outputs.Add(JsonSerializer.Deserialize<BareOutput>(state!.Output)!);
            }

            var first = outputs.Min(o => o.Scheduled.Min());
            var last = outputs.Max(o => o.Ended.Max());
            var latencies = outputs.SelectMany(o => o.Latencies).Order().ToArray();
            var total = outputs.Sum(o => o.Ended.Length);
            return new BenchResult(scenario, total, (last - first).TotalSeconds, total / (last - first).TotalSeconds, Percentile(latencies, 0.5), Percentile(latencies, 0.95));
        }
        finally
        {
            await worker.StopAsync(isForced: true);
        }
    }

    private static async Task WaitAllAsync(AzureStorageOrchestrationService service, string prefix, int runs, string scenario, Stopwatch watch)
    {
        while (true)
        {
            await Task.Delay(500);
            var open = 0;
            string? token = null;
            do
            {
                var page = await service.GetOrchestrationStateAsync(
                    new OrchestrationInstanceStatusQueryCondition { InstanceIdPrefix = prefix, RuntimeStatus = [OrchestrationStatus.Pending, OrchestrationStatus.Running], FetchInput = false, FetchOutput = false },
                    1000, token);
                open += page.OrchestrationState.Count();
                token = page.ContinuationToken;
            }
            while (!string.IsNullOrEmpty(token));

            await Console.Error.WriteLineAsync($"{scenario}: {runs - open}/{runs} runs finished after {watch.Elapsed.TotalSeconds:F0} s");
            if (open == 0)
            {
                return;
            }

            if (watch.Elapsed > TimeSpan.FromMinutes(15))
            {
                throw new TimeoutException($"{scenario} did not finish in 15 minutes");
            }
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    /// <summary>A bare orchestration's shape.</summary>
    public sealed record BareInput(string Shape, int Size);

    /// <summary>When each activity was scheduled and ended, and the task-to-task latencies.</summary>
    public sealed record BareOutput(DateTimeOffset[] Scheduled, DateTimeOffset[] Ended, double[] Latencies);

    private sealed class BareOrchestrator : TaskOrchestrator<BareInput, BareOutput>
    {
        public override async Task<BareOutput> RunAsync(TaskOrchestrationContext context, BareInput input)
        {
            var scheduled = new List<DateTimeOffset>();
            var ended = new List<DateTimeOffset>();
            var latencies = new List<double>();

            async Task<DateTimeOffset> Call(DateTimeOffset? after)
            {
                var at = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero);
                scheduled.Add(at);
                if (after is { } a)
                {
                    latencies.Add((at - a).TotalMilliseconds);
                }

                var end = await context.CallActivityAsync<DateTimeOffset>("Noop");
                ended.Add(end);
                return end;
            }

            switch (input.Shape)
            {
                case "chain":
                    DateTimeOffset? previous = null;
                    for (var i = 0; i < input.Size; i++)
                    {
                        previous = await Call(previous);
                    }

                    break;
                case "fan-out":
                    var start = await Call(null);
                    var middle = await Task.WhenAll(Enumerable.Range(0, input.Size).Select(_ => Call(start)));
                    await Call(middle.Max());
                    break;
                default: // the 5-task diamond: a, then b and c, then d, then e
                    var a = await Call(null);
                    var bc = await Task.WhenAll(Call(a), Call(a));
                    var d = await Call(bc.Max());
                    await Call(d);
                    break;
            }

            return new BareOutput([.. scheduled], [.. ended], [.. latencies]);
        }
    }

    private sealed class Noop : Microsoft.DurableTask.TaskActivity<object?, DateTimeOffset>
    {
        public override Task<DateTimeOffset> RunAsync(TaskActivityContext context, object? input) => Task.FromResult(DateTimeOffset.UtcNow);
    }
}
