using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Logs;
using Gale.Operators;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Secrets;
using Gale.Yaml;

namespace Gale.Core.Tests.Engine;

/// <summary>Edge cases found in review: callbacks after a timeout, log writer failures, masking forms, credential scope.</summary>
public sealed class ReviewFixTests
{
    private static DagRun Run(Dag dag) => new() { DagId = dag.DagId, RunId = "manual__edge", LogicalDate = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), QueuedAt = DateTimeOffset.UtcNow };

    [Fact]
    public async Task RunAsync_TimedOutTaskWithFailureCallback_CallbackRunsAndTaskFailsOnce()
    {
        var calls = 0;
        var dag = Dag.Create("timeout_callback")
            .Task("slow", async ctx => await Task.Delay(TimeSpan.FromSeconds(30), ctx.CancellationToken), options: new TaskOptions
            {
                ExecutionTimeout = TimeSpan.FromMilliseconds(200),
                OnFailure = async ctx =>
                {
                    await Task.Delay(10, ctx.CancellationToken); // would throw at once on the try's cancelled token
                    Interlocked.Increment(ref calls);
                },
            })
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        var ti = result.Snapshot.Find(new("slow"))!;
        Assert.Equal((TaskInstanceState.Failed, 1), (ti.State, ti.TryNumber));
        Assert.Contains("execution_timeout", ti.Message, StringComparison.Ordinal);
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task TaskLogWriter_AppendCancelledWhileDisposing_NeverThrowsAndKeepsTheLines()
    {
        var written = new List<string>();
        var failures = 1;
        var writer = new TaskLogWriter(new TaskLogKey("d", "r", "t", -1, 1), (text, _) =>
        {
            if (failures-- > 0)
            {
                throw new OperationCanceledException("storage client timed out");
            }

            written.Add(text);
            return Task.CompletedTask;
        }, TimeSpan.FromHours(1));
        writer.WriteLine("kept");

        await writer.FlushAsync(); // fails with a cancellation that is not ours
        await writer.DisposeAsync(); // retries, must not throw

        Assert.Equal(["kept\n"], written);
    }

    [Fact]
    public async Task TaskLogWriter_ShortTry_WritesTheWholeLogOnceAndLongTryAppends()
    {
        var calls = new List<string>();
        TaskLogWriter Writer() => new(new TaskLogKey("d", "r", "t", -1, 1), (text, _) => { calls.Add("append:" + text); return Task.CompletedTask; }, TimeSpan.FromHours(1), writeWhole: (text, _) => { calls.Add("whole:" + text); return Task.CompletedTask; });

        var shortTry = Writer();
        shortTry.WriteLine("a");
        shortTry.WriteLine("b");
        await shortTry.DisposeAsync();
        var longTry = Writer();
        longTry.WriteLine("c");
        await longTry.FlushAsync();
        longTry.WriteLine("d");
        await longTry.DisposeAsync();

        Assert.Equal(["whole:a\nb\n", "append:c\n", "append:d\n"], calls);
    }

    [Fact]
    public void Add_ConcurrentSecrets_EveryOneIsMasked()
    {
        var masker = new SecretMasker();
        var secrets = Enumerable.Range(0, 200).Select(i => $"secret-value-{i:D4}").ToList();

        Parallel.ForEach(secrets, masker.Add);

        Assert.All(secrets, s => Assert.Equal("x=***", masker.Redact($"x={s}")));
    }

    [Fact]
    public void Redact_JsonEscapedAndMultiLineSecrets_AreMasked()
    {
        var masker = new SecretMasker();
        masker.Add("p\"ss'word&more");
        masker.Add("-----BEGIN KEY-----\nAAAABBBBCCCC\n-----END KEY-----");

        var json = JsonSerializer.Serialize(new { pw = "p\"ss'word&more" });

        Assert.DoesNotContain("word", masker.Redact(json), StringComparison.Ordinal);
        Assert.Equal("line: ***", masker.Redact("line: AAAABBBBCCCC"));
    }

    [Fact]
    public async Task Execute_AbsoluteEndpointWithConnection_FailsWithoutSendingCredentials()
    {
        var settings = new Dictionary<string, string> { ["GALE_CONN_API"] = "https://svc:pw-123456@api.example.com" };
        var dag = Dag.Create("http_abs")
            .Task("steal", new HttpOperator { HttpConnId = "api", Endpoint = "{{ dag_run.conf.path }}" })
            .Build();
        var run = Run(dag) with { Conf = """{"path": "http://127.0.0.1:9/collect"}""" };

        var result = await DagTestRunner.RunAsync(dag, run, new DagTestOptions { Services = new TaskServices { Settings = settings.GetValueOrDefault } });

        var ti = result.Snapshot.Find(new("steal"))!;
        Assert.Equal(TaskInstanceState.Failed, ti.State);
        Assert.Contains("is an absolute URL", ti.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithRenderedFields_YamlJsonBody_RendersEachValueAndStaysValidJson()
    {
        var dag = YamlDagLoader.Load("body.yaml", """
            dag_id: body
            tasks:
              - id: post
                operator: http
                url: http://127.0.0.1/x
                data: {note: "{{ ti.xcom_pull(task_ids='post') }}", list: ["{{ ds }}", 3]}
            """);
        var http = (HttpOperator)dag.GetTask("post").Operator;

        var fields = http.TemplateFields;
        var rendered = (HttpOperator)http.WithRenderedFields(fields.ToDictionary(f => f.Key, f => f.Key switch
        {
            "data/note" => "said \"hi\"\nthen left",
            "data/list/0" => "2024-01-01",
            _ => f.Value,
        }));

        Assert.Equal(["data/list/0", "data/list/1", "data/note", "url"], fields.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("{{ ti.xcom_pull(task_ids='post') }}", fields["data/note"]);
        using var body = JsonDocument.Parse(rendered.Data!);
        Assert.Equal("said \"hi\"\nthen left", body.RootElement.GetProperty("note").GetString());
        Assert.Equal("2024-01-01", body.RootElement.GetProperty("list")[0].GetString());
        Assert.Equal("3", body.RootElement.GetProperty("list")[1].GetString());
    }
}
