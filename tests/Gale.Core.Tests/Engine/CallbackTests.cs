using System.Collections.Concurrent;
using Gale.Dags;
using Gale.Engine;
using Gale.Runs;

namespace Gale.Core.Tests.Engine;

public sealed class CallbackTests
{
    private static Task<DagTestResult> RunAsync(Dag dag) =>
        DagTestRunner.RunAsync(dag, new DagRun { DagId = dag.DagId, RunId = "manual__cb", QueuedAt = DateTimeOffset.UtcNow });

    [Fact]
    public async Task TaskCallbacks_ExecuteRetryFailureSuccess_CalledInOrder()
    {
        var calls = new ConcurrentQueue<string>();
        var options = new TaskOptions
        {
            Retries = 1,
            RetryDelay = TimeSpan.FromSeconds(1),
            OnExecute = ctx => { calls.Enqueue($"execute {ctx.TaskId} {ctx.TryNumber}"); return Task.CompletedTask; },
            OnRetry = ctx => { calls.Enqueue($"retry {ctx.TaskId} {ctx.TryNumber}"); return Task.CompletedTask; },
            OnFailure = ctx => { calls.Enqueue($"failure {ctx.TaskId} {ctx.TryNumber}"); return Task.CompletedTask; },
            OnSuccess = ctx => { calls.Enqueue($"success {ctx.TaskId} {ctx.TryNumber}"); return Task.CompletedTask; },
        };
        var dag = Dag.Create("callbacks")
            .DefaultArgs(options)
            .Task("flaky", ctx =>
            {
                if (ctx.TryNumber == 1)
                {
                    throw new InvalidOperationException("once");
                }
            })
            .Task("broken", _ => throw new InvalidOperationException("always"))
            .Build();

        await RunAsync(dag);

        Assert.Equal(
            ["execute broken 1", "execute broken 2", "execute flaky 1", "execute flaky 2", "failure broken 2", "retry broken 1", "retry flaky 1", "success flaky 2"],
            calls.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task FailingCallbacks_NeverChangeStates()
    {
        var dag = Dag.Create("bad_callbacks")
            .Task("ok", _ => { }, options: new TaskOptions { OnSuccess = _ => throw new InvalidOperationException("callback bug"), OnExecute = _ => throw new InvalidOperationException("also broken") })
            .With(s => s with { OnSuccessCallback = _ => throw new InvalidOperationException("dag callback bug") })
            .Build();

        var result = await RunAsync(dag);

        Assert.Equal(TaskInstanceState.Success, result.Snapshot.Find(new("ok"))!.State);
        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
    }

    [Fact]
    public async Task DagCallbacks_SuccessOrFailureCalledOnce()
    {
        var outcomes = new ConcurrentQueue<string>();
        Dag Make(string id, bool fail) => Dag.Create(id)
            .Task("t", _ =>
            {
                if (fail)
                {
                    throw new InvalidOperationException("no");
                }
            })
            .With(s => s with
            {
                OnSuccessCallback = run => { outcomes.Enqueue($"{run.DagId} success"); return Task.CompletedTask; },
                OnFailureCallback = run => { outcomes.Enqueue($"{run.DagId} failed"); return Task.CompletedTask; },
            })
            .Build();

        await RunAsync(Make("good", fail: false));
        await RunAsync(Make("bad", fail: true));

        Assert.Equal(["good success", "bad failed"], outcomes);
    }
}
