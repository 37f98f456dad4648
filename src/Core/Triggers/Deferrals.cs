using Gale.Execution;
using Gale.Runs;

namespace Gale.Triggers;

/// <summary>Turns a task's defer request into the <see cref="Deferral"/> stored with its task instance.</summary>
public static class Deferrals
{
    /// <summary>The deferral for <paramref name="deferred"/>, requested at <paramref name="now"/>.</summary>
    public static Deferral From(TaskDeferredException deferred, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(deferred);
        var trigger = deferred.Trigger.Anchored(now);
        return new Deferral
        {
            Trigger = TriggerSerializer.Serialize(trigger),
            Method = deferred.Method,
            Kwargs = deferred.Kwargs,
            TimeoutAt = deferred.Timeout is { } timeout ? now + timeout : null,
            OnTimeout = deferred.OnTimeout,
            EventName = trigger.EventName,
            WaitForTasks = trigger.WaitsForTasks,
            NextCheckAt = trigger.FirstCheckAt(now),
            Reschedule = deferred.Reschedule,
        };
    }
}
