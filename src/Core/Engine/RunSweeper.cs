using Gale.Runs;
using Gale.Runs.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Engine;

/// <summary>
/// The engine's periodic repair pass over running runs (part of the scheduler tick). State is the source of truth,
/// so anything a crash lost between storing a decision and sending its commands can be re-derived:
/// an attempt queued too long without starting is sent again (like Airflow's task_queued_timeout), a retry whose
/// timer is overdue is fired, and a running attempt without heartbeats is failed as a zombie.
/// Every repair is idempotent, so several hosts may sweep at once.
/// </summary>
public sealed partial class RunSweeper(RunEngine engine, IRunStore store, ILogger<RunSweeper>? log = null)
{
    private readonly ILogger _log = log ?? (ILogger)NullLogger.Instance;

    /// <summary>Sweeps every running run once.</summary>
    /// <returns>How many repairs were made.</returns>
    public async Task<int> SweepAsync(CancellationToken cancellationToken = default)
    {
        var repairs = 0;
        var options = engine.Options;
        await foreach (var run in store.ListRunsAsync(state: DagRunState.Running, cancellationToken: cancellationToken))
        {
            var snapshot = await store.LoadAsync(run.Key, cancellationToken);
            if (snapshot is null)
            {
                continue;
            }

            var now = engine.Clock.GetUtcNow();
            var events = new List<RunEvent>();
            foreach (var ti in snapshot.Tasks.Values)
            {
                switch (ti.State)
                {
                    case TaskInstanceState.Queued when ti.QueuedAt < now - options.StuckQueuedAfter:
                        LogRequeue(_log, run.Key, ti.Key, ti.TryNumber);
                        await engine.RedispatchAsync(run.Key, ti.Key, ti.TryNumber);
                        repairs++;
                        break;
                    case TaskInstanceState.UpForRetry when ti.NextRetryAt < now - options.HeartbeatInterval:
                        events.Add(EngineEvents.RetryDue(run.Key, ti.Key, ti.TryNumber, now));
                        break;
                    case TaskInstanceState.Deferred or TaskInstanceState.UpForReschedule when ti.Deferral is { Event: null, TimeoutAt: { } timeout } && timeout < now - options.HeartbeatInterval:
                        events.Add(new TriggerTimeoutDue { EventId = $"trigger-timeout:{run.Key}/{ti.Key}/{ti.TryNumber}", Task = ti.Key, TryNumber = ti.TryNumber, At = now });
                        break;
                    case TaskInstanceState.Deferred or TaskInstanceState.UpForReschedule when ti.Deferral is { Event: null, NextCheckAt: { } check } deferral && check < now - options.StuckQueuedAfter:
                        LogRecheck(_log, run.Key, ti.Key, ti.TryNumber);
                        await engine.RedispatchCheckAsync(run.Key, ti.Key, ti.TryNumber, deferral.Checks);
                        repairs++;
                        break;
                    case TaskInstanceState.Running or TaskInstanceState.Restarting when (ti.HeartbeatAt ?? ti.StartDate) < now - options.ZombieAfter:
                        LogZombie(_log, run.Key, ti.Key, ti.WorkerId);
                        events.Add(EngineEvents.Zombie(run.Key, ti, now));
                        break;
                }
            }

            if (events.Count > 0)
            {
                await engine.ApplyAsync(run.Key, events, cancellationToken);
                repairs += events.Count;
            }
        }

        return repairs;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {Run}: {Task} try {Try} has been queued too long; sending its attempt again")]
    private static partial void LogRequeue(ILogger logger, RunKey run, TaskInstanceKey task, int @try);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {Run}: the trigger check of deferred {Task} try {Try} is overdue; sending it again")]
    private static partial void LogRecheck(ILogger logger, RunKey run, TaskInstanceKey task, int @try);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {Run}: {Task} on worker {Worker} stopped heartbeating; failing the attempt as a zombie")]
    private static partial void LogZombie(ILogger logger, RunKey run, TaskInstanceKey task, string? worker);
}
