using System.Diagnostics;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Telemetry;

/// <summary>The span and measurements of one running task attempt (see <see cref="GaleTelemetry.StartAttempt"/>).</summary>
public sealed class AttemptTelemetry : IDisposable
{
    // A span's status description is for people; a stack trace in a task's message does not belong there.
    private const int MaxStatusLength = 1024;

    private readonly string _dagId;
    private readonly string _taskId;
    private readonly Activity? _activity;
    private readonly long _started = Stopwatch.GetTimestamp();
    private bool _finished;

    internal AttemptTelemetry(string dagId, string taskId, Activity? activity)
    {
        _dagId = dagId;
        _taskId = taskId;
        _activity = activity;
    }

    /// <summary>The attempt's span; null when nobody listens.</summary>
    public Activity? Activity => _activity;

    /// <summary>
    /// Ends the attempt with the event it produced (<see cref="TaskFinished"/> or <see cref="TaskReleased"/>);
    /// <paramref name="maxTries"/> tells a failure that will be retried (up_for_retry) from a final one.
    /// </summary>
    public void Finish(RunEvent result, int tryNumber, int maxTries)
    {
        var (state, error) = result switch
        {
            TaskFinished { Outcome: AttemptOutcome.Success } => ("success", null),
            TaskFinished { Outcome: AttemptOutcome.Skipped } => ("skipped", null),
            TaskFinished { Outcome: AttemptOutcome.Deferred } => ("deferred", null),
            TaskFinished f when !f.NoRetry && RetryPolicy.CanRetry(tryNumber, maxTries) => ("up_for_retry", f.Message ?? "failed"),
            TaskFinished f => ("failed", f.Message ?? "failed"),
            _ => ("released", null),
        };
        End(state, error);
    }

    /// <summary>Ends an attempt that threw instead of producing an outcome.</summary>
    public void Dispose() => End("error", "the attempt ended without an outcome");

    private void End(string state, string? error)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        if (GaleTelemetry.TaskDuration.Enabled)
        {
            GaleTelemetry.TaskDuration.Record(seconds, new(GaleTelemetry.Tags.DagId, _dagId), new(GaleTelemetry.Tags.TaskId, _taskId), new(GaleTelemetry.Tags.State, state));
        }

        if (_activity is null)
        {
            return;
        }

        _activity.SetTag(GaleTelemetry.Tags.State, state);
        if (error is not null)
        {
            _activity.SetStatus(ActivityStatusCode.Error, error.Length > MaxStatusLength ? error[..MaxStatusLength] + "…" : error);
        }

        _activity.Stop();
    }
}
