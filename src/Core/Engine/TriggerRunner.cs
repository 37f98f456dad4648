using Gale.Runs;
using Gale.Runs.Events;
using Gale.Triggers;
using Microsoft.Extensions.Logging;

namespace Gale.Engine;

/// <summary>
/// Airflow's triggerer, without a process of its own: when a deferred task's check timer fires, the run's
/// orchestration runs one check of the trigger (the <c>PollTrigger</c> activity) and decides on the result (fired, not
/// yet, or failed). A check that is stale (the task resumed, was cleared, or a later check is scheduled) does nothing.
/// </summary>
public static partial class TriggerRunner
{
    /// <summary>
    /// Runs one check of a waiting task's trigger and says what happened: <see cref="TriggerFired"/>, or
    /// <see cref="TriggerChecked"/> (not yet, with the next check time, or failed with the error, masked).
    /// </summary>
    public static async Task<RunEvent> CheckOnceAsync(RunKey run, TriggerCheckDue due, Deferral deferral, TimeProvider clock, IRunReader? runs, TaskServices services, ILogger log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(due);
        ArgumentNullException.ThrowIfNull(deferral);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(services);
        var now = clock.GetUtcNow();
        var id = $"{run}/{due.Task}/{due.TryNumber}/{due.Check}";
        try
        {
            var trigger = TriggerSerializer.Deserialize(deferral.Trigger);
            var check = await trigger.CheckAsync(Context(clock, runs, services, log, run, due.Task, due.TryNumber, deferral.Checks, cancellationToken));
            return check.Fired
                ? new TriggerFired { EventId = "fired:" + id, Task = due.Task, TryNumber = due.TryNumber, Check = due.Check, Data = check.Event, At = now }
                : new TriggerChecked { EventId = "checked:" + id, Task = due.Task, TryNumber = due.TryNumber, Check = due.Check, NextCheckAt = check.NextCheckAt, At = now };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCheckFailed(log, id, e.Message);
            return new TriggerChecked { EventId = "checked:" + id, Task = due.Task, TryNumber = due.TryNumber, Check = due.Check, Error = services.Masker.Redact($"{e.GetType().Name}: {e.Message}"), At = now };
        }
    }

    /// <summary>The context a check of <paramref name="task"/>'s trigger runs with, on <paramref name="clock"/>, reading other runs from <paramref name="runs"/>.</summary>
    public static TriggerContext Context(TimeProvider clock, IRunReader? runs, TaskServices services, ILogger log, RunKey run, TaskInstanceKey task, int tryNumber, int checks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(services);
        return new TriggerContext
        {
            DagId = run.DagId,
            RunId = run.RunId,
            TaskId = task.TaskId,
            MapIndex = task.MapIndex,
            TryNumber = tryNumber,
            Now = clock.GetUtcNow(),
            Checks = checks,
            Log = log,
            Http = services.Http,
            Connections = services.ConnectionResolver,
            Masker = services.Masker,
            Runs = runs,
            Objects = services.Objects,
            State = services.TriggerState,
            CancellationToken = cancellationToken,
        };
    }

    /// <summary>True when <paramref name="due"/> is still the current check of the waiting try <paramref name="ti"/> (not resumed, cleared or superseded).</summary>
    public static bool IsCurrent(TaskInstance? ti, TriggerCheckDue due) =>
        ti is { State: TaskInstanceState.Deferred or TaskInstanceState.UpForReschedule, Deferral: { Event: null } d } && ti.TryNumber == due.TryNumber && d.Checks == due.Check;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trigger check {Check} failed; the deferred try fails: {Error}")]
    private static partial void LogCheckFailed(ILogger logger, string check, string error);
}
