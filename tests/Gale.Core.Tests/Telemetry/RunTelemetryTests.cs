using System.Diagnostics;
using Gale.Dags;
using Gale.Engine;
using Gale.InMemory;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Telemetry;

namespace Gale.Core.Tests.Telemetry;

/// <summary>A DAG run on the Durable Task runtime (virtual-time hub) records the attempt and run spans and the metrics.</summary>
public sealed class RunTelemetryTests
{
    [Fact]
    public async Task OrchestratedRun_OneTaskFailsAfterItsRetry_RecordsAttemptSpansRunSpanAndMetrics()
    {
        // a -> (b, c); b fails on both of its tries (retries = 1), so the run fails.
        var dagId = $"otel_{Guid.NewGuid():N}"[..16];
        var dag = Dag.Create(dagId)
            .Task("a", _ => { })
            .Task("b", _ => throw new InvalidOperationException("boom"), after: "a", options: new TaskOptions { Retries = 1, RetryDelay = TimeSpan.FromMilliseconds(50) })
            .Task("c", _ => { }, after: "a")
            .Build();
        using var recorder = new TelemetryRecorder(dagId);
        var clock = new SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(new DagBag([dag]), new TaskServices(), clock);
        var key = new RunKey(dagId, "manual__1");
        await hub.Runs.CreateRunAsync(dag, new DagRun { DagId = dagId, RunId = key.RunId, QueuedAt = clock.GetUtcNow(), LogicalDate = clock.GetUtcNow() });

        Assert.True(await hub.RunUntilIdleAsync());

        var run = (await hub.Runs.LoadAsync(key))!.Run;
        Assert.Equal(DagRunState.Failed, run.State);
        var (traceId, runSpanId) = RunTrace.Ids(run);

        var attempts = recorder.Spans.Where(s => s.OperationName == GaleTelemetry.AttemptSpanName)
            .OrderBy(s => (string)s.GetTagItem(GaleTelemetry.Tags.TaskId)!, StringComparer.Ordinal).ThenBy(s => (int)s.GetTagItem(GaleTelemetry.Tags.TryNumber)!)
            .ToList();
        Assert.Equal(
            [("a", 1, "success", ActivityStatusCode.Unset), ("b", 1, "up_for_retry", ActivityStatusCode.Error), ("b", 2, "failed", ActivityStatusCode.Error), ("c", 1, "success", ActivityStatusCode.Unset)],
            attempts.Select(s => ((string)s.GetTagItem(GaleTelemetry.Tags.TaskId)!, (int)s.GetTagItem(GaleTelemetry.Tags.TryNumber)!, (string)s.GetTagItem(GaleTelemetry.Tags.State)!, s.Status)).ToList());
        Assert.All(attempts, s =>
        {
            Assert.Equal(traceId, s.TraceId);
            Assert.Equal(runSpanId, s.ParentSpanId);
            Assert.Equal(ActivityKind.Consumer, s.Kind);
            Assert.Equal("manual__1", s.GetTagItem(GaleTelemetry.Tags.RunId));
            Assert.Equal(-1, s.GetTagItem(GaleTelemetry.Tags.MapIndex));
            Assert.Equal("delegate", s.GetTagItem(GaleTelemetry.Tags.Operator));
        });
        Assert.Contains("boom", attempts[2].StatusDescription, StringComparison.Ordinal);

        var runSpan = Assert.Single(recorder.Spans, s => s.OperationName == GaleTelemetry.RunSpanName);
        Assert.Equal(traceId, runSpan.TraceId);
        Assert.Equal(runSpanId, runSpan.SpanId);
        Assert.Equal(default, runSpan.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, runSpan.Status);
        Assert.Equal("failed", runSpan.GetTagItem(GaleTelemetry.Tags.State));
        Assert.Equal("manual", runSpan.GetTagItem(GaleTelemetry.Tags.RunType));
        Assert.Equal(run.StartDate!.Value.UtcDateTime, runSpan.StartTimeUtc);
        Assert.Equal(run.EndDate!.Value.UtcDateTime, runSpan.StartTimeUtc + runSpan.Duration);
        Assert.All(attempts, s => Assert.InRange(s.StartTimeUtc, runSpan.StartTimeUtc, runSpan.StartTimeUtc + runSpan.Duration));

        var durations = recorder.Of(GaleTelemetry.TaskDurationName);
        Assert.Equal(
            ["a:success", "b:failed", "b:up_for_retry", "c:success"],
            durations.Select(m => $"{m.Tag(GaleTelemetry.Tags.TaskId)}:{m.Tag(GaleTelemetry.Tags.State)}").Order(StringComparer.Ordinal).ToList());
        Assert.All(durations, m => Assert.Equal("s", m.Unit));
        Assert.All(durations, m => Assert.InRange(m.Value, 0, 30));
        Assert.Equal(4, recorder.Of(GaleTelemetry.TaskQueuedLatencyName).Count);
        var finished = Assert.Single(recorder.Of(GaleTelemetry.RunsFinishedName));
        Assert.Equal((1d, "failed"), (finished.Value, finished.Tag(GaleTelemetry.Tags.State)));
    }
}
