using Gale.Dags;

namespace Gale.Examples;

/// <summary>Fan-out and fan-in: ten parallel tasks between a start and an end, with a retried flaky task.</summary>
public sealed class ExampleFanOut : IDagDefinition
{
    /// <inheritdoc />
    public Dag Build()
    {
        var builder = Dag.Create("example_fan_out")
            .With(s => s with { Description = "Ten parallel tasks, one of which fails once and is retried.", Tags = ["example"] })
            .DefaultArgs(new TaskOptions { Retries = 2, RetryDelay = TimeSpan.FromSeconds(5) })
            .Task("start", _ => { });
        var parallel = Enumerable.Range(1, 10).Select(i => $"part_{i:D2}").ToArray();
        foreach (var id in parallel)
        {
            builder.Task(id, async ctx =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), ctx.CancellationToken);
                if (ctx.TaskId == "part_07" && ctx.TryNumber == 1)
                {
                    throw new InvalidOperationException("part_07 fails on its first try to show a retry");
                }

                return ctx.TaskId;
            }, after: "start");
        }

        return builder
            .Task("end", _ => { }, after: parallel, options: new TaskOptions { TriggerRule = TriggerRule.AllSuccess })
            .Build();
    }
}
