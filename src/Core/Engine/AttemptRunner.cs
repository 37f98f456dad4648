using System.Collections.Concurrent;
using Gale.Dags;
using Gale.Execution;
using Gale.Limits;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Engine;

/// <summary>
/// Runs one task attempt from its queue message: records the start (which tells a live attempt from a stale,
/// duplicate or zombie one), keeps the lease alive with heartbeats, runs the operator, stores the return value,
/// records the outcome, and only then deletes the message.
/// </summary>
public sealed partial class AttemptRunner(RunEngine engine, IDagRegistry dags, IMessageQueue tasks, TaskServices services, ILoggerFactory? loggers = null)
{
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);
    private readonly ILogger _log = (loggers ?? NullLoggerFactory.Instance).CreateLogger<AttemptRunner>();
    private readonly ILoggerFactory _loggers = loggers ?? NullLoggerFactory.Instance;

    /// <summary>How tasks start runs of other DAGs (default: queued, started by the scheduler).</summary>
    public IDagRunLauncher Launcher { get; set; } = new RunLauncher(engine, dags);

    /// <summary>The services attempts use.</summary>
    public TaskServices Services => services;

    /// <summary>How long an attempt whose slots are busy waits before it is looked at again.</summary>
    public static readonly TimeSpan SlotRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Longest an on_success / on_failure / on_retry callback may run.</summary>
    public static readonly TimeSpan CallbackTimeout = TaskAttemptExecutor.CallbackTimeout;

    /// <summary>How this runner publishes asset events (outlets), queueing them for asset-scheduled DAGs.</summary>
    public Gale.Assets.AssetEventPublisher AssetPublisher => Executor.AssetPublisher;

    // Built on use: the launcher can be replaced (dags test starts triggered runs at once).
    private TaskAttemptExecutor Executor => _executor is { } e && ReferenceEquals(_executorLauncher, Launcher) ? e : (_executor = new TaskAttemptExecutor(services, dags, engine.Clock, engine.Options.WorkerId, _executorLauncher = Launcher, engine.Store, _loggers));

    private TaskAttemptExecutor? _executor;
    private IDagRunLauncher? _executorLauncher;

    /// <summary>The context a DAG-level callback runs with (see <see cref="TaskAttemptExecutor.CreateDagCallbackContext"/>).</summary>
    public TaskContext CreateDagCallbackContext(Dag dag, DagRun run, string name, CancellationToken cancellationToken) =>
        Executor.CreateDagCallbackContext(dag, run, name, cancellationToken);

    /// <summary>Attempts running in this process right now.</summary>
    public int RunningCount => _running.Count;

    /// <summary>Runs the attempt <paramref name="message"/> carries. <paramref name="stopping"/> releases it unfinished.</summary>
    public async Task RunAsync(QueueMessageHandle message, CancellationToken stopping)
    {
        AttemptMessage attempt;
        try
        {
            attempt = EngineMessages.Deserialize<AttemptMessage>(message.Body);
        }
        catch (System.Text.Json.JsonException e)
        {
            LogPoison(_log, tasks.Name, message.MessageId, e.Message);
            await tasks.SendToPoisonAsync(message.Body, CancellationToken.None);
            await tasks.DeleteAsync(message, CancellationToken.None);
            return;
        }

        if (!_running.TryAdd(attempt.AttemptId, 0))
        {
            // This process is still running (or finishing) the same attempt. It may be a duplicate, or the same try
            // resumed after a deferral whose trigger fired at once: look again in a second, when the first is done.
            await tasks.RenewAsync(message, SlotRetryDelay, CancellationToken.None);
            return;
        }

        try
        {
            await RunAttemptAsync(message, attempt, stopping);
        }
        finally
        {
            _running.TryRemove(attempt.AttemptId, out _);
        }
    }

    private async Task RunAttemptAsync(QueueMessageHandle message, AttemptMessage attempt, CancellationToken stopping)
    {
        var dag = dags.Find(attempt.DagId);
        if (dag is null || !dag.HasTask(attempt.TaskId))
        {
            LogUnknownTask(_log, attempt.AttemptId);
            return; // Leave the message: a host that has the DAG will take it.
        }

        // Limits first: a queued try takes its DAG's max_active_tasks slot and its pool slots, or waits for them.
        var slots = HeldSlots.None(services.Slots);
        // The cached snapshot usually says "queued" already (this process queued it); anything else is checked in the
        // store, because running without slots on a stale answer would break the limits.
        static bool IsQueued([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] TaskInstance? ti, int tryNumber) => ti is { State: TaskInstanceState.Queued or TaskInstanceState.Scheduled } && ti.TryNumber == tryNumber;
        var queued = engine.Cached(attempt.Run)?.Find(attempt.Task);
        if (!IsQueued(queued, attempt.TryNumber))
        {
            queued = (await engine.LoadAsync(attempt.Run, CancellationToken.None))?.Find(attempt.Task);
        }

        if (IsQueued(queued, attempt.TryNumber))
        {
            var (held, problem) = await TaskLimits.TryAcquireAsync(services.Slots, services.Pools, dag, dag.GetTask(attempt.TaskId), attempt.AttemptId, engine.Clock.GetUtcNow() + engine.Options.Lease, CancellationToken.None);
            if (problem is not null)
            {
                await engine.ApplyAsync(attempt.Run, [Executor.Finished(attempt, queued, AttemptOutcome.Failed, problem, null, null, false)], CancellationToken.None);
                await tasks.DeleteAsync(message, CancellationToken.None);
                return;
            }

            if (held is null)
            {
                engine.Stats.AddSlotWait();
                await tasks.RenewAsync(message, SlotRetryDelay, CancellationToken.None); // busy: the message comes back later
                return;
            }

            slots = held;
        }

        try
        {
            await RunWithSlotsAsync(message, attempt, dag, slots, stopping);
        }
        finally
        {
            await slots.ReleaseAsync();
        }
    }

    private async Task RunWithSlotsAsync(QueueMessageHandle message, AttemptMessage attempt, Dag dag, HeldSlots slots, CancellationToken stopping)
    {
        var worker = engine.Options.WorkerId;
        RunSnapshot snapshot;
        try
        {
            snapshot = await engine.ApplyAsync(attempt.Run, [new TaskStarted { EventId = $"start:{attempt.AttemptId}", Task = attempt.Task, TryNumber = attempt.TryNumber, WorkerId = worker, At = engine.Clock.GetUtcNow() }], CancellationToken.None);
        }
        catch (RunNotFoundException)
        {
            await tasks.DeleteAsync(message, CancellationToken.None);
            return;
        }

        var ti = snapshot.Find(attempt.Task);
        if (ti is null || ti.TryNumber != attempt.TryNumber || ti.State != TaskInstanceState.Running)
        {
            await tasks.DeleteAsync(message, CancellationToken.None); // Stale: the try already ended or moved on.
            return;
        }

        if (ti.WorkerId != worker)
        {
            await HandleForeignAttemptAsync(message, attempt, ti);
            return;
        }

        using var heartbeatStop = new CancellationTokenSource();
        var lease = new LeaseKeeper(message);
        var heartbeat = HeartbeatAsync(attempt, lease, slots, heartbeatStop.Token);
        // Started after the heartbeat so that only the attempt's own work runs under its span.
        using var telemetry = GaleTelemetry.StartAttempt(snapshot.Run, ti, dag.GetTask(attempt.TaskId).Operator.OperatorName);
        RunEvent result;
        try
        {
            result = await Executor.ExecuteAsync(dag, dag.GetTask(attempt.TaskId), snapshot.Run, ti, attempt, stopping);
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }

        telemetry.Finish(result, ti.TryNumber, ti.MaxTries);
        await engine.ApplyAsync(attempt.Run, [result], CancellationToken.None);
        if (result is TaskReleased)
        {
            await tasks.RenewAsync(lease.Current, TimeSpan.Zero, CancellationToken.None);
            return;
        }

        await tasks.DeleteAsync(lease.Current, CancellationToken.None);
    }

    private async Task HandleForeignAttemptAsync(QueueMessageHandle message, AttemptMessage attempt, TaskInstance ti)
    {
        // Another worker started this try. Its heartbeats keep the message hidden; seeing the message again with a
        // stale heartbeat means that worker is gone: the attempt is a zombie and counts as a failed try.
        var silence = engine.Clock.GetUtcNow() - (ti.HeartbeatAt ?? ti.StartDate ?? DateTimeOffset.MinValue);
        if (silence >= engine.Options.Lease)
        {
            LogZombie(_log, attempt.AttemptId, ti.WorkerId, silence);
            await engine.ApplyAsync(attempt.Run, [EngineEvents.Zombie(attempt.Run, ti, engine.Clock.GetUtcNow())], CancellationToken.None);
        }

        await tasks.DeleteAsync(message, CancellationToken.None);
    }

    private async Task HeartbeatAsync(AttemptMessage attempt, LeaseKeeper lease, HeldSlots slots, CancellationToken stop)
    {
        var interval = engine.Options.HeartbeatInterval;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, engine.Clock, stop);
                var renewed = await tasks.RenewAsync(lease.Current, engine.Options.Lease, stop);
                if (renewed is not null)
                {
                    lease.Current = renewed;
                }

                if (!await slots.RenewAsync(engine.Clock.GetUtcNow() + engine.Options.Lease, stop))
                {
                    LogSlotsLost(_log, attempt.AttemptId);
                }

                await engine.ApplyAsync(attempt.Run, [new TaskHeartbeat { EventId = $"hb:{attempt.AttemptId}:{engine.Clock.GetUtcNow().ToUnixTimeMilliseconds()}", Task = attempt.Task, TryNumber = attempt.TryNumber, At = engine.Clock.GetUtcNow() }], stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogHeartbeatFailed(_log, attempt.AttemptId, e.Message);
            }
        }
    }

    private sealed class LeaseKeeper(QueueMessageHandle initial)
    {
        public QueueMessageHandle Current { get; set; } = initial;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue {Queue}: message {MessageId} is not an attempt and was moved to the poison queue: {Error}")]
    private static partial void LogPoison(ILogger logger, string queue, string messageId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} names a DAG or task this process has not loaded; leaving it for another host")]
    private static partial void LogUnknownTask(ILogger logger, string attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} is a zombie: worker {Worker} silent for {Silence}")]
    private static partial void LogZombie(ILogger logger, string attempt, string? worker, TimeSpan silence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} lost a pool slot (its lease expired and another attempt took it)")]
    private static partial void LogSlotsLost(ILogger logger, string attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat of {Attempt} failed: {Error}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string attempt, string error);
}
