using Azure.Data.Tables;
using Gale.Dags;
using Gale.Engine;
using Gale.Storage;

namespace Gale.Testing;

/// <summary>DAGs used by the crash tests, shared by the test process and the test worker process.</summary>
public static class TestDags
{
    /// <summary>Table where every executed attempt writes one row (PartitionKey: run id, RowKey: task|try|unique).</summary>
    public const string ExecutionsTable = "testexecutions";

    /// <summary>A chain of <c>step01</c>…<c>step12</c>, each sleeping 400 ms and recording its execution; 2 retries.</summary>
    public static Dag SlowChain(StorageAccountClient account)
    {
        var executions = account.GetTableClient(ExecutionsTable);
        var builder = Dag.Create("slow_chain").DefaultArgs(new TaskOptions { Retries = 2, RetryDelay = TimeSpan.Zero });
        string? previous = null;
        for (var i = 1; i <= 12; i++)
        {
            var id = $"step{i:D2}";
            builder.Task(id, async ctx =>
            {
                await executions.CreateIfNotExistsAsync(ctx.CancellationToken);
                await executions.AddEntityAsync(new TableEntity(ctx.RunId.Replace(':', '_').Replace('+', '_'), $"{ctx.TaskId}|{ctx.TryNumber}|{Guid.NewGuid():N}"), ctx.CancellationToken);
                await Task.Delay(TimeSpan.FromMilliseconds(400), ctx.CancellationToken);
            }, after: previous is null ? default : (TaskIds)previous);
            previous = id;
        }

        return builder.Build();
    }

    /// <summary>Five tasks that each defer on a 4-second timer, then record their resumed execution; then <c>done</c>.</summary>
    public static Dag DeferredWaits(StorageAccountClient account)
    {
        var executions = account.GetTableClient(ExecutionsTable);
        var builder = Dag.Create("deferred_waits");
        var waits = Enumerable.Range(1, 5).Select(i => $"wait{i}").ToArray();
        foreach (var id in waits)
        {
            builder.Task(id, async ctx =>
            {
                if (ctx.TriggerEvent is null)
                {
                    ctx.Defer(new Gale.Triggers.TimeDeltaTrigger { Delta = TimeSpan.FromSeconds(4) });
                }

                await executions.CreateIfNotExistsAsync(ctx.CancellationToken);
                await executions.AddEntityAsync(new TableEntity(ctx.RunId.Replace(':', '_').Replace('+', '_'), $"{ctx.TaskId}|{ctx.TryNumber}|{Guid.NewGuid():N}"), ctx.CancellationToken);
            });
        }

        return builder.Task("done", _ => { }, after: waits).Build();
    }

    /// <summary>Every test DAG.</summary>
    public static DagBag Bag(StorageAccountClient account) => new([SlowChain(account), DeferredWaits(account)]);
}
