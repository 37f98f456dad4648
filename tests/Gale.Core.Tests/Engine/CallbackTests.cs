using System.Collections.Concurrent;
using Gale.Dags;
using Gale.Engine;
using Gale.Orchestration.InProcess;
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
                OnSuccessCallback = ctx => { outcomes.Enqueue($"{ctx.DagId} success"); return Task.CompletedTask; },
                OnFailureCallback = ctx => { outcomes.Enqueue($"{ctx.DagId} failed"); return Task.CompletedTask; },
            })
            .Build();

        await RunAsync(Make("good", fail: false));
        await RunAsync(Make("bad", fail: true));

        Assert.Equal(["good success", "bad failed"], outcomes);
    }

    [Theory]
    [InlineData("true", "success")]
    [InlineData("false", "failed")]
    public async Task YamlDagCallbacks_RunOnceWithTheRunsTemplates(string command, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("gale-dag-cb-").FullName;
        try
        {
            var dag = Gale.Yaml.YamlDagLoader.Load("cb.yaml", $$$"""
                dag_id: yaml_dag_callbacks
                params:
                  team: {default: data}
                on_success_callback:
                  operator: shell
                  command: "echo 'success {{ run_id }} {{ params.team }} {{ task.task_id }}' >> {{{folder}}}/calls"
                on_failure_callback:
                  operator: shell
                  command: "echo 'failed {{ dag.dag_id }} {{ dag_run.conf.why }}' >> {{{folder}}}/calls"
                tasks:
                  - id: work
                    operator: shell
                    command: "{{{command}}}"
                """);

            var result = await DagTestRunner.RunAsync(dag, new DagRun { DagId = dag.DagId, RunId = "manual__cb", Conf = """{"why": "test"}""", QueuedAt = DateTimeOffset.UtcNow });

            Assert.Equal(expected, result.Snapshot.Run.State.ToAirflowName());
            var calls = await File.ReadAllLinesAsync(Path.Combine(folder, "calls"));
            var line = Assert.Single(calls);
            Assert.Equal(expected == "success" ? "success manual__cb data on_success_callback" : "failed yaml_dag_callbacks test", line);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void YamlDagCallback_UnknownOperator_NamesTheField()
    {
        var e = Assert.Throws<Gale.Yaml.YamlDagException>(() => Gale.Yaml.YamlDagLoader.Load("bad_cb.yaml", """
            dag_id: bad_cb
            on_failure_callback: {operator: pager}
            tasks:
              - {id: a, operator: empty}
            """));

        Assert.Contains("bad_cb.yaml", e.Message, StringComparison.Ordinal);
        Assert.Contains("unknown operator 'pager'", e.Message, StringComparison.Ordinal);
    }
}
