using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Engine;

/// <summary>
/// The events the engine itself raises for a run. One builder each, so every raiser of the same event (timer, sweeper,
/// worker) uses the same event id and the same message.
/// </summary>
public static class EngineEvents
{
    /// <summary>The retry timer of failed try <paramref name="failedTryNumber"/> fired.</summary>
    public static RetryDue RetryDue(RunKey run, TaskInstanceKey task, int failedTryNumber, DateTimeOffset at) =>
        new() { EventId = $"retry:{run}/{task}/{failedTryNumber}", Task = task, FailedTryNumber = failedTryNumber, At = at };

    /// <summary>The dagrun_timeout timer of a run fired.</summary>
    public static RunTimeoutDue RunTimeoutDue(RunKey run, DateTimeOffset at) => new() { EventId = $"timeout:{run}", At = at };

    /// <summary>The running attempt of <paramref name="ti"/> lost its worker: its try fails (and is retried if tries remain).</summary>
    public static TaskFinished Zombie(RunKey run, TaskInstance ti, DateTimeOffset now) => new()
    {
        EventId = $"zombie:{run}/{ti.Key}/{ti.TryNumber}",
        Task = ti.Key,
        TryNumber = ti.TryNumber,
        Outcome = AttemptOutcome.Failed,
        Message = $"zombie: worker {ti.WorkerId} sent no heartbeat since {(ti.HeartbeatAt ?? ti.StartDate):O}",
        At = now,
    };
}
