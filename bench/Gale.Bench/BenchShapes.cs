using Gale.Dags;

namespace Gale.Bench;

/// <summary>One measured shape's figures.</summary>
public sealed record BenchResult(string Scenario, int Tasks, double Seconds, double TasksPerSecond, double MedianLatencyMs, double P95LatencyMs);

/// <summary>
/// The benchmark's DAG shapes: (a) fan-out/fan-in of 1,000 no-op tasks, (b) a chain of 200 no-op tasks, (c) 100
/// concurrent runs of a 5-task DAG. Latency is task-to-task: a task's start minus the latest end of its upstream tasks.
/// </summary>
public static class BenchShapes
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
}
