using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Execution;
using Gale.Operators;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Testing;

namespace Gale.Core.Tests.Operators;

/// <summary>The http operator against a real local HTTP server.</summary>
public sealed class HttpOperatorTests : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(string Method, string Path, string? Authorization, string? Tenant, string Body, string? ContentType)> _requests = new();
    private readonly ConcurrentQueue<(int Status, string Body)> _responses = new();
    private readonly string _base;

    public HttpOperatorTests()
    {
        var port = LoopbackPort.Free();
        _base = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(_base);
        _listener.Start();
        _ = ServeAsync();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream);
            _requests.Enqueue((context.Request.HttpMethod, context.Request.Url!.PathAndQuery, context.Request.Headers["Authorization"], context.Request.Headers["X-Tenant"], await reader.ReadToEndAsync(), context.Request.ContentType));
            var (status, body) = _responses.TryDequeue(out var r) ? r : (200, """{"status": "ok", "items": [1, 2, 3]}""");
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(body);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private static DagRun Run(Dag dag) => new()
    {
        DagId = dag.DagId,
        RunId = "manual__http",
        LogicalDate = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero),
        QueuedAt = DateTimeOffset.UtcNow,
    };

    private static async Task<JsonElement> ReturnValueAsync(DagTestResult result, string taskId) =>
        JsonDocument.Parse((await result.XComs.GetAsync(new XComKey(result.Snapshot.Run.DagId, result.Snapshot.Run.RunId, taskId, -1, "return_value")))!).RootElement;

    [Fact]
    public async Task Execute_WithConnection_SendsTemplatedRequestWithAuthAndExtraHeadersAndPushesFilteredBody()
    {
        var settings = new Dictionary<string, string> { ["GALE_CONN_API"] = $"{_base.Replace("http://", "http://svc:pa%24%24word-1@", StringComparison.Ordinal)}?X-Tenant=acme" };
        var dag = Dag.Create("http_conn")
            .Task("post", new HttpOperator
            {
                HttpConnId = "api",
                Endpoint = "reports/{{ ds }}",
                Data = """{"day": "{{ ds }}"}""",
                Headers = new Dictionary<string, string> { ["X-Run"] = "{{ run_id }}" },
                ResponseFilter = HttpOperator.Filter("/items"),
            })
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag), new DagTestOptions { Services = new TaskServices { Settings = settings.GetValueOrDefault } });

        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        var request = Assert.Single(_requests);
        Assert.Equal(("POST", "/reports/2024-05-01", "acme", """{"day": "2024-05-01"}""", "application/json"), (request.Method, request.Path, request.Tenant, request.Body, request.ContentType));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("svc:pa$$word-1")), request.Authorization);
        Assert.Equal([1, 2, 3], (await ReturnValueAsync(result, "post")).EnumerateArray().Select(e => e.GetInt32()));
        var rendered = await result.Services.Rendered.GetAsync("http_conn", "manual__http", "post", -1);
        Assert.Equal("reports/2024-05-01", rendered!.Fields["endpoint"]);
        Assert.Equal("manual__http", rendered.Fields["headers.X-Run"]);
    }

    [Fact]
    public async Task Execute_UnexpectedStatus_FailsEachTryAndRetriesAsConfigured()
    {
        _responses.Enqueue((503, "busy"));
        _responses.Enqueue((200, "fine now"));
        var dag = Dag.Create("http_retry")
            .Task("get", new HttpOperator { Method = "GET", Url = _base + "health" }, options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.FromSeconds(1) })
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        var ti = result.Snapshot.Find(new("get"))!;
        Assert.Equal((TaskInstanceState.Success, 2), (ti.State, ti.TryNumber));
        Assert.Equal(2, _requests.Count);
        Assert.Equal("fine now", (await ReturnValueAsync(result, "get")).GetString());
        var firstLog = await result.Services.Logs.ReadAsync(new Gale.Logs.TaskLogKey("http_retry", "manual__http", "get", -1, 1));
        Assert.Contains("returned 503", firstLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_ExpectedStatusAndFailingResponseCheck_FailsWithClearMessage()
    {
        var dag = Dag.Create("http_check")
            .Task("created", new HttpOperator { Method = "PUT", Url = _base + "x", ExpectedStatusCodes = [201] })
            .Task("checked", new HttpOperator { Method = "GET", Url = _base + "y", ResponseCheck = r => r.Body.Contains("\"status\": \"ready\"", StringComparison.Ordinal) })
            .Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        Assert.Contains("returned 200 (OK), expected 201", result.Snapshot.Find(new("created"))!.Message, StringComparison.Ordinal);
        Assert.Contains("response_check failed for GET", result.Snapshot.Find(new("checked"))!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_UndefinedConnection_FailsNamingTheSetting()
    {
        var dag = Dag.Create("http_noconn").Task("call", new HttpOperator { HttpConnId = "nowhere", Endpoint = "x" }).Build();

        var result = await DagTestRunner.RunAsync(dag, Run(dag));

        Assert.Contains("GALE_CONN_NOWHERE", result.Snapshot.Find(new("call"))!.Message, StringComparison.Ordinal);
        Assert.Empty(_requests);
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
