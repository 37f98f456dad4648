using System.Collections.Concurrent;
using System.Text;
using Gale.Dags;
using Gale.Host.Hosting;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gale.Host.Tests.Hosting;

public sealed class OtlpExportTests
{
    [Fact]
    public async Task Start_EndpointConfigured_ExportsRunSpansAndMetricsOverOtlpHttp()
    {
        await using var collector = await OtlpReceiver.StartAsync();
        var dagId = $"otlp_{Guid.NewGuid():N}"[..16];
        var settings = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Endpoint,
            ["OTEL_SERVICE_NAME"] = "gale-otlp-test",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "600000", // only the flush below exports
        };
        using var telemetry = GaleOpenTelemetry.Start(settings.GetValueOrDefault, "worker-7");
        Assert.NotNull(telemetry);
        var dag = Dag.Create(dagId).Task("extract", _ => { }).Task("load", _ => { }, after: "extract").Build();

        var result = await DagTestRunner.RunAsync(dag, new DagRun { DagId = dagId, RunId = "manual__otlp", QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });
        Assert.Equal(DagRunState.Success, result.Snapshot.Run.State);
        Assert.True(telemetry.ForceFlush(TimeSpan.FromSeconds(20)), "the exporters did not finish in time");

        var traces = collector.Received("/v1/traces");
        Assert.NotEmpty(traces);
        Assert.All(traces, r => Assert.Equal("application/x-protobuf", r.ContentType));
        var spans = traces.SelectMany(r => r.Body).ToArray();
        foreach (var expected in new[] { dagId, $"task {dagId}.extract", $"task {dagId}.load", $"dag_run {dagId}", "gale.try_number", "gale-otlp-test", "worker-7" })
        {
            Assert.True(Contains(spans, expected), $"the exported spans lack '{expected}'");
        }

        var metrics = collector.Received("/v1/metrics").SelectMany(r => r.Body).ToArray();
        foreach (var expected in new[] { "gale.task.duration", "gale.dag_runs.finished", dagId })
        {
            Assert.True(Contains(metrics, expected), $"the exported metrics lack '{expected}'");
        }
    }

    [Fact]
    public void Start_NoEndpoint_NothingStarted() =>
        Assert.Null(GaleOpenTelemetry.Start(_ => null));

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

    /// <summary>A stand-in OTLP/HTTP collector on a free loopback port: records every POST and answers 200.</summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<(string Path, string? ContentType, byte[] Body)> _requests = new();

        private OtlpReceiver(WebApplication app) => _app = app;

        public string Endpoint => _app.Urls.Single();

        public static async Task<OtlpReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new OtlpReceiver(app);
            app.MapPost("/v1/{signal}", async (HttpContext context) =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                receiver._requests.Enqueue((context.Request.Path, context.Request.ContentType, body.ToArray()));
                return Results.Ok();
            });
            await app.StartAsync();
            return receiver;
        }

        public IReadOnlyList<(string? ContentType, byte[] Body)> Received(string path) =>
            [.. _requests.Where(r => r.Path == path && r.Body.Length > 0).Select(r => (r.ContentType, r.Body))];

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
