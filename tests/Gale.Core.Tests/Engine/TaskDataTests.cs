using Gale.Dags;
using Gale.Engine;
using Gale.Execution;
using Gale.InMemory;
using Gale.Logs;
using Gale.Operators;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Secrets;
using Microsoft.Extensions.Logging;

namespace Gale.Core.Tests.Engine;

/// <summary>Templates, variables, secrets masking, task logs and XCom limits, end to end through the engine on the in-memory ports.</summary>
public sealed class TaskDataTests
{
    private const string Secret = "sk-live-9f8e7d6c5b4a";
    private static readonly DateTimeOffset Logical = new(2024, 3, 9, 0, 0, 0, TimeSpan.Zero);

    private static DagRun Run(Dag dag, string conf = "{}") => new()
    {
        DagId = dag.DagId,
        RunId = DagRun.CreateRunId(DagRunType.Manual, Logical),
        LogicalDate = Logical,
        DataIntervalStart = Logical,
        DataIntervalEnd = Logical.AddDays(1),
        QueuedAt = Logical,
        Conf = conf,
    };

    private static async Task<TaskServices> ServicesAsync(Dictionary<string, string>? settings = null)
    {
        var variables = new InMemoryVariableStore();
        await variables.SetAsync(new Variable("api_token", Secret));
        await variables.SetAsync(new Variable("target", """{"table": "orders_clean"}"""));
        settings ??= [];
        return new TaskServices { Variables = variables, Settings = settings.GetValueOrDefault };
    }

    private static async Task<string> LogAsync(DagTestResult result, string taskId, int tryNumber = 1) =>
        await result.Services.Logs.ReadAsync(new TaskLogKey(result.Snapshot.Run.DagId, result.Snapshot.Run.RunId, taskId, -1, tryNumber))
        ?? throw new Xunit.Sdk.XunitException($"no log for {taskId} try {tryNumber}");

    private static async Task<string?> ReturnValueAsync(DagTestResult result, string taskId) =>
        System.Text.Json.JsonSerializer.Deserialize<string>((await result.XComs.GetAsync(new XComKey(result.Snapshot.Run.DagId, result.Snapshot.Run.RunId, taskId, -1, "return_value")))!);

    [Fact]
    public async Task RunAsync_TemplatedShellCommand_RendersContextAndStoresMaskedFields()
    {
        var dag = Dag.Create("templated")
            .Param("limit", DagParam.WithDefault(5, ParamType.Integer))
            .Task("extract", _ => new { rows = 42 })
            .Task("load", new ShellOperator("echo {{ ds }} {{ params.limit }} {{ dag_run.conf.region }} {{ var.json.target.table }} {{ ti.xcom_pull(task_ids='extract').rows }} {{ run_id }} {{ var.value.api_token }}")
            {
                Environment = new Dictionary<string, string> { ["WINDOW_END"] = "{{ data_interval_end }}" },
            }, after: "extract")
            .Task("window", new ShellOperator("echo $WINDOW_END") { Environment = new Dictionary<string, string> { ["WINDOW_END"] = "{{ data_interval_end }}" } })
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag, """{"region": "eu"}"""), new DagTestOptions { Services = await ServicesAsync() });

        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        var run = result.Snapshot.Run.RunId;
        Assert.Equal($"2024-03-09 5 eu orders_clean 42 {run} {Secret}", await ReturnValueAsync(result, "load"));
        Assert.Equal("2024-03-10T00:00:00+00:00", await ReturnValueAsync(result, "window"));
        var rendered = await result.Services.Rendered.GetAsync("templated", run, "load", -1);
        Assert.NotNull(rendered);
        Assert.Equal(1, rendered.TryNumber);
        Assert.Equal($"echo 2024-03-09 5 eu orders_clean 42 {run} ***", rendered.Fields["command"]);
        Assert.Equal("2024-03-10T00:00:00+00:00", rendered.Fields["env.WINDOW_END"]);
        var log = await LogAsync(result, "load");
        Assert.Contains("2024-03-09 5 eu orders_clean 42", log, StringComparison.Ordinal);
        Assert.Contains("***", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, log, StringComparison.Ordinal);
        Assert.Contains("Marking task as SUCCESS", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_UnknownVariableInTemplate_FailsTheTaskNamingFieldAndVariable()
    {
        var dag = Dag.Create("bad_template")
            .Task("load", new ShellOperator("echo {{ var.value.not_there }}"))
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag), new DagTestOptions { Services = await ServicesAsync() });

        var ti = result.Snapshot.Find(new("load"))!;
        Assert.Equal(TaskInstanceState.Failed, ti.State);
        Assert.Contains("field 'command'", ti.Message, StringComparison.Ordinal);
        Assert.Contains("unknown variable 'not_there'", ti.Message, StringComparison.Ordinal);
        Assert.Contains("unknown variable 'not_there'", await LogAsync(result, "load"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SecretInOutputAndError_NeverReachesLogsOrTheStoredMessage()
    {
        var dag = Dag.Create("leaky")
            .Task("leak", async ctx =>
            {
                var token = await ctx.Variables.GetAsync("api_token");
                ctx.Log.LogInformation("calling with {Token}", token);
                throw new InvalidOperationException($"auth failed for token {token}");
            })
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag), new DagTestOptions { Services = await ServicesAsync() });

        var ti = result.Snapshot.Find(new("leak"))!;
        Assert.Equal(TaskInstanceState.Failed, ti.State);
        Assert.Equal("InvalidOperationException: auth failed for token ***", ti.Message);
        var log = await LogAsync(result, "leak");
        Assert.Contains("calling with ***", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Retry_WritesOneLogPerTry()
    {
        var dag = Dag.Create("flaky")
            .Task("once", ctx =>
            {
                ctx.Log.LogInformation("try {Try} here", ctx.TryNumber);
                if (ctx.TryNumber == 1)
                {
                    throw new InvalidOperationException("first try fails");
                }
            }, options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.FromMinutes(5) })
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        Assert.Equal([1, 2], await result.Services.Logs.ListTriesAsync("flaky", result.Snapshot.Run.RunId, "once", -1));
        var first = await LogAsync(result, "once", 1);
        var second = await LogAsync(result, "once", 2);
        Assert.Contains("Starting attempt 1 of 2", first, StringComparison.Ordinal);
        Assert.Contains("first try fails", first, StringComparison.Ordinal);
        Assert.Contains("Marking task as UP_FOR_RETRY", first, StringComparison.Ordinal);
        Assert.Contains("try 2 here", second, StringComparison.Ordinal);
        Assert.Contains("Marking task as SUCCESS", second, StringComparison.Ordinal);
        Assert.DoesNotContain("try 2 here", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StoredSecretTheTaskNeverResolved_IsStillMaskedInItsLog()
    {
        // As when a task on another host pulls a secret from an XCom: this process never resolved the variable.
        var dag = Dag.Create("foreign_secret")
            .Task("print", new ShellOperator($"echo got {Secret}"))
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag), new DagTestOptions { Services = await ServicesAsync() });

        var log = await LogAsync(result, "print");
        Assert.Contains("got ***", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_XComAboveMaximum_FailsWithSizeAndSettingAndStoresNothing()
    {
        var dag = Dag.Create("big")
            .Task("produce", _ => new string('x', 2048))
            .Build();
        var services = new TaskServices { XComMaxBytes = 1024 };

        var result = await DagTestRunner.RunAsync(dag, Run(dag), new DagTestOptions { Services = services });

        var ti = result.Snapshot.Find(new("produce"))!;
        Assert.Equal(TaskInstanceState.Failed, ti.State);
        Assert.Contains("XCom 'return_value' of task 'produce' is 2050 bytes", ti.Message, StringComparison.Ordinal);
        Assert.Contains("GALE_XCOM_MAX_BYTES", ti.Message, StringComparison.Ordinal);
        Assert.Null(await result.XComs.GetAsync(new XComKey("big", result.Snapshot.Run.RunId, "produce", -1, "return_value")));
    }

    [Fact]
    public async Task RunAsync_ConnectionInTemplate_ResolvesFromSettingsAndMasksPassword()
    {
        var settings = new Dictionary<string, string> { ["GALE_CONN_WAREHOUSE"] = $"postgres://etl:{Secret}@db.internal:5432/analytics" };
        var dag = Dag.Create("conn")
            .Task("dsn", new ShellOperator("echo host={{ conn.warehouse.host }} user={{ conn.warehouse.login }} pw={{ conn.warehouse.password }}"))
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag), new DagTestOptions { Services = await ServicesAsync(settings) });

        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        var rendered = await result.Services.Rendered.GetAsync("conn", result.Snapshot.Run.RunId, "dsn", -1);
        Assert.Equal("echo host=db.internal user=etl pw=***", rendered!.Fields["command"]);
        Assert.DoesNotContain(Secret, await LogAsync(result, "dsn"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_InDelegateTask_RendersAgainstTheAttempt()
    {
        string? seen = null;
        var dag = Dag.Create("delegate_render")
            .Task("t", async ctx => { seen = await ctx.RenderAsync("{{ dag.dag_id }}.{{ task.task_id }} {{ ds_nodash }} {{ ti.try_number }}"); })
            .Build();

        await DagTestRunner.RunAsync(dag, Run(dag));

        Assert.Equal("delegate_render.t 20240309 1", seen);
    }

    [Fact]
    public async Task TaskLogWriter_AppendFails_KeepsLinesForTheNextFlush()
    {
        var written = new List<string>();
        var fail = true;
        var writer = new TaskLogWriter(new TaskLogKey("d", "r", "t", -1, 1), (text, _) =>
        {
            if (fail)
            {
                throw new IOException("storage down");
            }

            written.Add(text);
            return Task.CompletedTask;
        }, TimeSpan.FromHours(1));

        writer.WriteLine("one");
        await writer.FlushAsync();
        Assert.NotNull(writer.LastError);
        writer.WriteLine("two");
        fail = false;
        await writer.DisposeAsync();

        Assert.Equal(["one\ntwo\n"], written);
    }
}
