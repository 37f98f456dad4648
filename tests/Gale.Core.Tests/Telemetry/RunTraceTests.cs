using System.Diagnostics;
using Gale.Runs;
using Gale.Telemetry;

namespace Gale.Core.Tests.Telemetry;

public sealed class RunTraceTests
{
    private static readonly DateTimeOffset Queued = new(2024, 5, 1, 2, 0, 0, TimeSpan.Zero);

    private static DagRun Run(string runId = "scheduled__2024-05-01", DateTimeOffset? queued = null) => new()
    {
        DagId = $"trace_{runId.Length}",
        RunId = runId,
        RunType = DagRunType.Scheduled,
        QueuedAt = queued ?? Queued,
        StartDate = Queued.AddSeconds(1),
        EndDate = Queued.AddMinutes(90),
        State = DagRunState.Success,
    };

    [Fact]
    public void Ids_SameRunInAnotherProcess_SameIds()
    {
        // Another process has its own copy of the run, read back from storage.
        Assert.Equal(RunTrace.Ids(Run()), RunTrace.Ids(Run() with { State = DagRunState.Running, EndDate = null }));
    }

    [Fact]
    public void Ids_OtherRunIdOrRecreatedRun_OtherTrace()
    {
        var ids = RunTrace.Ids(Run());

        Assert.NotEqual(ids.TraceId, RunTrace.Ids(Run("scheduled__2024-05-02")).TraceId);
        Assert.NotEqual(ids.TraceId, RunTrace.Ids(Run(queued: Queued.AddDays(3))).TraceId);
        Assert.NotEqual(ids.SpanId, RunTrace.Ids(Run("scheduled__2024-05-02")).SpanId);
    }

    [Fact]
    public void Context_AnyRun_SampledRemoteParentWithTheRunIds()
    {
        var context = RunTrace.Context(Run());

        Assert.Equal(RunTrace.Ids(Run()), (context.TraceId, context.SpanId));
        Assert.True(context.IsRemote);
        Assert.Equal(ActivityTraceFlags.Recorded, context.TraceFlags);
    }

    [Fact]
    public void RunFinished_Listening_RecordsRootSpanWithTheRunIdsAndDates()
    {
        var run = Run($"manual__{Guid.NewGuid():N}");
        using var recorder = new TelemetryRecorder(run.DagId);
        using var outer = new Activity("outer").Start();

        GaleTelemetry.RunFinished(run, "all_success");

        Assert.Same(outer, Activity.Current);
        var span = Assert.Single(recorder.Spans, s => (string?)s.GetTagItem(GaleTelemetry.Tags.RunId) == run.RunId);
        var (traceId, spanId) = RunTrace.Ids(run);
        Assert.Equal((traceId, spanId, default(ActivitySpanId)), (span.TraceId, span.SpanId, span.ParentSpanId));
        Assert.Equal($"00-{traceId.ToHexString()}-{spanId.ToHexString()}-01", span.Id);
        Assert.Null(span.GetTagItem("gale.run_span_id"));
        Assert.Equal((run.StartDate!.Value.UtcDateTime, TimeSpan.FromMinutes(90) - TimeSpan.FromSeconds(1)), (span.StartTimeUtc, span.Duration));
        Assert.Equal(("success", "scheduled", ActivityStatusCode.Unset), ((string?)span.GetTagItem(GaleTelemetry.Tags.State), (string?)span.GetTagItem(GaleTelemetry.Tags.RunType), span.Status));
        Assert.Equal($"dag_run {run.DagId}", span.DisplayName);
    }
}
