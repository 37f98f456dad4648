using System.Net;
using System.Net.Sockets;
using Gale.Dags;
using Gale.Operators;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Yaml;

namespace Gale.Core.Tests.Yaml;

public sealed class YamlOperatorTests
{
    private static DagRun Run(Dag dag) => new()
    {
        DagId = dag.DagId,
        RunId = "manual__yaml",
        LogicalDate = new DateTimeOffset(2024, 2, 29, 0, 0, 0, TimeSpan.Zero),
        QueuedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public void Load_HttpAndTriggerTasks_BuildsConfiguredOperators()
    {
        var dag = YamlDagLoader.Load("ops.yaml", """
            dag_id: ops
            tasks:
              - id: notify
                operator: http
                method: put
                http_conn_id: api
                endpoint: "runs/{{ run_id }}"
                headers: {X-Day: "{{ ds }}"}
                data: {day: "{{ ds }}", source: gale}
                expected_status: [200, 204]
                response_filter: json
                response_check: {json_pointer: /status, equals: ok}
              - id: kick
                operator: trigger_dagrun
                trigger_dag_id: downstream
                conf: {day: "{{ ds }}"}
                wait_for_completion: true
                poke_interval: 30s
                failed_states: [failed, queued]
                upstream: notify
            """);

        var http = Assert.IsType<HttpOperator>(dag.GetTask("notify").Operator);
        Assert.Equal(("PUT", "api", "runs/{{ run_id }}"), (http.Method, http.HttpConnId, http.Endpoint));
        Assert.Equal(("{{ ds }}", "gale"), (http.TemplateFields["data/day"], http.TemplateFields["data/source"]));
        Assert.Equal([200, 204], http.ExpectedStatusCodes);
        Assert.True(http.ResponseCheck!(new HttpResult(200, """{"status": "ok"}""", "application/json")));
        Assert.False(http.ResponseCheck!(new HttpResult(200, """{"status": "late"}""", "application/json")));
        var trigger = Assert.IsType<TriggerDagRunOperator>(dag.GetTask("kick").Operator);
        Assert.Equal(("downstream", true, TimeSpan.FromSeconds(30)), (trigger.TriggerDagId, trigger.WaitForCompletion, trigger.PokeInterval));
        Assert.Equal([DagRunState.Failed, DagRunState.Queued], trigger.FailedStates);
        Assert.Equal("{{ ds }}", trigger.TemplateFields["conf.day"]);
    }

    [Theory]
    [InlineData("operator: http", "tasks[0].url: is required for the http operator")]
    [InlineData("operator: http\n    url: http://x\n    method: FETCH", "tasks[0].method: 'FETCH' is not an HTTP method")]
    [InlineData("operator: http\n    url: http://x\n    expected_status: [abc]", "tasks[0].expected_status: 'abc' is not an HTTP status code")]
    [InlineData("operator: http\n    url: http://x\n    response_filter: xml", "tasks[0].response_filter: 'xml' is not a response filter")]
    [InlineData("operator: http\n    url: http://x\n    response_check: {equals: ok}", "tasks[0].response_check: needs contains")]
    [InlineData("operator: trigger_dagrun", "tasks[0].trigger_dag_id: is required")]
    [InlineData("operator: trigger_dagrun\n    trigger_dag_id: x\n    allowed_states: [done]", "tasks[0].allowed_states: 'done' is not a DAG run state")]
    [InlineData("operator: shell\n    command: x\n    on_failure_callback: {operator: teleport}", "on_failure_callback.operator: unknown operator 'teleport'")]
    public void Load_BadOperatorField_ErrorNamesFileLineAndField(string task, string expected)
    {
        var e = Assert.Throws<YamlDagException>(() => YamlDagLoader.Load("bad.yaml", $"dag_id: bad\ntasks:\n  - id: t\n    {task}\n"));

        Assert.Contains("bad.yaml:", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_YamlCallbacks_RunTemplatedOperatorsAndNeverChangeTheTaskState()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"gale-callback-{Guid.NewGuid():N}");
        var dag = YamlDagLoader.Load("callbacks.yaml", $$$"""
            dag_id: callbacks
            default_args:
              on_failure_callback:
                operator: shell
                command: "echo failed {{ task.task_id }} {{ ds }} >> {{{marker}}}"
            tasks:
              - id: ok
                operator: shell
                command: "true"
                on_success_callback: {operator: shell, command: "echo succeeded {{ task.task_id }} >> {{{marker}}}"}
              - id: broken
                operator: shell
                command: "exit 3"
              - id: noisy
                operator: shell
                command: "true"
                on_success_callback: {operator: shell, command: "exit 7"}
            """);
        try
        {
            var result = await DagTestRunner.RunAsync(dag, Run(dag));

            Assert.Equal(TaskInstanceState.Success, result.Snapshot.Find(new("ok"))!.State);
            Assert.Equal(TaskInstanceState.Failed, result.Snapshot.Find(new("broken"))!.State);
            Assert.Equal(TaskInstanceState.Success, result.Snapshot.Find(new("noisy"))!.State);
            var lines = (await File.ReadAllLinesAsync(marker)).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["failed broken 2024-02-29", "succeeded ok"], lines);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task RunAsync_YamlHttpTask_CallsTheServerWithRenderedFields()
    {
        using var listener = new HttpListener();
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        var port = ((IPEndPoint)socket.LocalEndpoint).Port;
        socket.Stop();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var served = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            var path = context.Request.Url!.PathAndQuery;
            var bytes = System.Text.Encoding.UTF8.GetBytes("""{"rows": 7}""");
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
            return path;
        });
        var dag = YamlDagLoader.Load("http.yaml", $$$"""
            dag_id: yaml_http
            tasks:
              - id: fetch
                operator: http
                method: GET
                url: "http://127.0.0.1:{{{port}}}/stats?day={{ ds }}"
                response_filter: /rows
            """);

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        Assert.Equal("/stats?day=2024-02-29", await served);
        Assert.Equal("7", await result.XComs.GetAsync(new Gale.Execution.XComKey("yaml_http", "manual__yaml", "fetch", -1, "return_value")));
    }
}
