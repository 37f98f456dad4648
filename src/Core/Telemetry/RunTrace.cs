using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Gale.Runs;

namespace Gale.Telemetry;

/// <summary>
/// The trace of a DAG run. A run lives across processes and hours and has no process that could hold its span open, so
/// its ids are derived from the run itself: SHA-256 of (dag_id, run_id, queued_at) gives the trace id (16 bytes) and
/// the run span's id (the next 8). Every process that runs an attempt parents it on <see cref="Context"/>; the process
/// that stores the run's final state records the run span with exactly that span id, so a tracing backend shows one
/// trace per run with the attempts under the run. queued_at tells a run from a deleted run of the same id; a cleared
/// run keeps its trace.
/// </summary>
public static class RunTrace
{
    /// <summary>The span context the attempts of <paramref name="run"/> are parented on (sampled).</summary>
    public static ActivityContext Context(DagRun run)
    {
        var (traceId, spanId) = Ids(run);
        return new ActivityContext(traceId, spanId, ActivityTraceFlags.Recorded, isRemote: true);
    }

    /// <summary>The trace id and run span id of <paramref name="run"/>.</summary>
    public static (ActivityTraceId TraceId, ActivitySpanId SpanId) Ids(DagRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var key = $"{run.DagId}\n{run.RunId}\n{run.QueuedAt.ToUnixTimeMilliseconds()}";
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        // All-zero ids are invalid in W3C trace context; a hash that yields one is not worth a branch, but be exact.
        hash[0] |= (byte)(hash[..16].IndexOfAnyExcept((byte)0) < 0 ? 1 : 0);
        hash[16] |= (byte)(hash[16..24].IndexOfAnyExcept((byte)0) < 0 ? 1 : 0);
        return (ActivityTraceId.CreateFromBytes(hash[..16]), ActivitySpanId.CreateFromBytes(hash[16..24]));
    }

    /// <summary>
    /// Starts the run's span at <paramref name="start"/> with the run's trace id and span id and no parent; null when
    /// nobody listens. The caller sets its end time and stops it.
    /// </summary>
    internal static Activity? StartRunSpan(DagRun run, DateTimeOffset start)
    {
        var (traceId, spanId) = Ids(run);
        // A context with a trace id and no span id starts a span in that trace without a parent span, provided no
        // Activity.Current is there to become its parent (Activity.Start adopts it): the caller has none, see RunFinished.
        var root = new ActivityContext(traceId, default, ActivityTraceFlags.Recorded);
        var activity = GaleTelemetry.Source.StartActivity(GaleTelemetry.RunSpanName, ActivityKind.Internal, root, startTime: start);
        if (activity is null)
        {
            return null;
        }

        if (!TrySetSpanId(activity, spanId))
        {
            // Without the span id the run span is still in the run's trace, as a second root next to the attempts.
            activity.SetTag("gale.run_span_id", spanId.ToHexString());
        }

        return activity;
    }

    // The BCL has no public way to choose a span's id: it is random and set by Start. Durable Task (DurableTask.Core,
    // durabletask-dotnet) records its orchestration spans the same way, at completion with an id chosen at the start, by
    // setting the private fields Activity.Id and Activity.SpanId are computed from. If a runtime renames them, the
    // accessors throw MissingFieldException and the run span keeps its random id (the tests catch that).
    private static bool TrySetSpanId(Activity activity, ActivitySpanId spanId)
    {
        if (activity.IdFormat != ActivityIdFormat.W3C)
        {
            return false;
        }

        try
        {
            SpanIdField(activity) = spanId.ToHexString();
            // Id is "00-{trace}-{span}-{flags}"; cleared, it is computed again from the fields.
            IdField(activity) = null;
            return activity.SpanId == spanId && activity.Id is { } id && id.Contains(spanId.ToHexString(), StringComparison.Ordinal);
        }
        catch (MissingFieldException)
        {
            return false;
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_spanId")]
    private static extern ref string? SpanIdField(Activity activity);

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_id")]
    private static extern ref string? IdField(Activity activity);
}
