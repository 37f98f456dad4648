using System.Collections.Concurrent;
using System.Text.Json;
using Gale.Dags;
using Gale.Execution;
using Gale.Runs;
using Gale.Runs.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Engine;

/// <summary>
/// Runs one task attempt from its queue message: records the start (which tells a live attempt from a stale,
/// duplicate or zombie one), keeps the lease alive with heartbeats, runs the operator, stores the return value,
/// records the outcome, and only then deletes the message.
/// </summary>
public sealed partial class AttemptRunner(RunEngine engine, IDagRegistry dags, IMessageQueue tasks, IXComStore xcoms, ILoggerFactory? loggers = null)
{
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);
    private readonly ILogger _log = (loggers ?? NullLoggerFactory.Instance).CreateLogger<AttemptRunner>();
    private readonly ILoggerFactory _loggers = loggers ?? NullLoggerFactory.Instance;

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
            await tasks.DeleteAsync(message, CancellationToken.None);
            return;
        }

        if (!_running.TryAdd(attempt.AttemptId, 0))
        {
            await tasks.DeleteAsync(message, CancellationToken.None); // A duplicate of an attempt this process is running.
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
        var worker = engine.Options.WorkerId;
        var dag = dags.Find(attempt.DagId);
        if (dag is null || !dag.HasTask(attempt.TaskId))
        {
            LogUnknownTask(_log, attempt.AttemptId);
            return; // Leave the message: a host that has the DAG will take it.
        }

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
        var heartbeat = HeartbeatAsync(attempt, lease, heartbeatStop.Token);
        RunEvent result;
        try
        {
            result = await ExecuteAsync(dag, dag.GetTask(attempt.TaskId), snapshot, ti, attempt, stopping);
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }

        await engine.ApplyAsync(attempt.Run, [result], CancellationToken.None);
        if (result is TaskReleased)
        {
            await tasks.RenewAsync(lease.Current, TimeSpan.Zero, CancellationToken.None);
            return;
        }

        await tasks.DeleteAsync(lease.Current, CancellationToken.None);
    }

    private async Task<RunEvent> ExecuteAsync(Dag dag, DagTask task, RunSnapshot snapshot, TaskInstance ti, AttemptMessage attempt, CancellationToken stopping)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        if (task.ExecutionTimeout is { } timeout)
        {
            cancel.CancelAfter(timeout);
        }

        var run = snapshot.Run;
        IReadOnlyDictionary<string, JsonElement> mapArguments;
        try
        {
            mapArguments = await MapArgumentsAsync(dag, task, run.RunId, ti.MapIndex, cancel.Token);
        }
        catch (InvalidOperationException e)
        {
            return Finished(attempt, ti, AttemptOutcome.Failed, e.Message, null, null, false);
        }

        var (parameters, paramErrors) = DagParams.Resolve(dag.Settings.Params, run.Conf);
        if (paramErrors.Count > 0)
        {
            return Finished(attempt, ti, AttemptOutcome.Failed, "invalid params: " + string.Join("; ", paramErrors), null, null, false);
        }

        var context = new TaskContext
        {
            Params = parameters,
            MapArguments = mapArguments,
            DagId = dag.DagId,
            RunId = run.RunId,
            TaskId = task.TaskId,
            MapIndex = ti.MapIndex,
            TryNumber = ti.TryNumber,
            LogicalDate = run.LogicalDate,
            DataIntervalStart = run.DataIntervalStart,
            DataIntervalEnd = run.DataIntervalEnd,
            Conf = System.Text.Json.JsonDocument.Parse(run.Conf).RootElement.Clone(),
            XCom = new XComAccessor(xcoms, dag.DagId, run.RunId, task.TaskId, ti.MapIndex, cancel.Token),
            Log = _loggers.CreateLogger($"gale.task.{dag.DagId}.{task.TaskId}"),
            CancellationToken = cancel.Token,
        };

        AttemptOutcome outcome;
        string? error = null;
        int? resultLength = null;
        try
        {
            await CallbackAsync(task.Callbacks.OnExecute, "on_execute", context);
            if (ti.TryNumber > 1)
            {
                // Like Airflow, a retried or cleared task starts without the XComs of its earlier tries.
                await xcoms.DeleteTaskInstanceAsync(dag.DagId, run.RunId, task.TaskId, ti.MapIndex, cancel.Token);
            }

            var value = await task.Operator.ExecuteAsync(context);
            if (context.FollowedTaskIds?.FirstOrDefault(id => !dag.Downstream(task.TaskId).Contains(id, StringComparer.Ordinal)) is { } stray)
            {
                throw new InvalidOperationException($"branch chose '{stray}', which is not directly downstream of '{task.TaskId}' (downstream: {string.Join(", ", dag.Downstream(task.TaskId))})");
            }

            if (value is not null)
            {
                var json = JsonSerializer.SerializeToElement(value, XComJson.Options);
                resultLength = json.ValueKind == JsonValueKind.Array ? json.GetArrayLength() : null;
                await context.XCom.PushAsync(XComAccessor.ReturnValueKey, json);
            }

            outcome = AttemptOutcome.Success;
        }
        catch (TaskSkippedException e)
        {
            outcome = AttemptOutcome.Skipped;
            error = e.Message;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return new TaskReleased { EventId = $"release:{attempt.AttemptId}", Task = attempt.Task, TryNumber = attempt.TryNumber, WorkerId = engine.Options.WorkerId, At = engine.Clock.GetUtcNow() };
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            outcome = AttemptOutcome.Failed;
            error = $"execution_timeout of {task.ExecutionTimeout} exceeded";
        }
        catch (Exception e)
        {
            outcome = AttemptOutcome.Failed;
            error = $"{e.GetType().Name}: {e.Message}";
        }

        LogAttemptEnded(_log, attempt.AttemptId, outcome, error);
        var callback = outcome switch
        {
            AttemptOutcome.Success => (task.Callbacks.OnSuccess, "on_success"),
            AttemptOutcome.Failed when RetryPolicy.CanRetry(ti.TryNumber, ti.MaxTries) => (task.Callbacks.OnRetry, "on_retry"),
            AttemptOutcome.Failed => (task.Callbacks.OnFailure, "on_failure"),
            _ => (null, string.Empty),
        };
        await CallbackAsync(callback.Item1, callback.Item2, context);
        var success = outcome == AttemptOutcome.Success;
        return Finished(attempt, ti, outcome, error, success ? resultLength : null, success ? context.FollowedTaskIds : null, success && context.ShortCircuited);
    }

    // A callback's failure is logged and never changes the task's state (Airflow's behaviour).
    private async Task CallbackAsync(Func<TaskContext, Task>? callback, string name, TaskContext context)
    {
        if (callback is null)
        {
            return;
        }

        try
        {
            await callback(context);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
        {
            LogCallbackFailed(_log, name, context.TaskId, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private TaskFinished Finished(AttemptMessage attempt, TaskInstance ti, AttemptOutcome outcome, string? error, int? resultLength, IReadOnlyList<string>? follow, bool shortCircuit) => new()
    {
        EventId = $"finish:{attempt.AttemptId}",
        Task = attempt.Task,
        TryNumber = attempt.TryNumber,
        Outcome = outcome,
        Message = error,
        ResultLength = resultLength,
        FollowTaskIds = follow,
        SkipAllDownstream = shortCircuit,
        At = engine.Clock.GetUtcNow(),
        StartedAt = ti.StartDate,
        WorkerId = engine.Options.WorkerId,
    };

    // A mapped instance's arguments: element i of the cross product of its sources (or the i-th object for expand_kwargs).
    private async Task<IReadOnlyDictionary<string, JsonElement>> MapArgumentsAsync(Dag dag, DagTask task, string runId, int mapIndex, CancellationToken cancellationToken)
    {
        if (task.Mapping is not { } mapping || mapIndex < 0)
        {
            return new Dictionary<string, JsonElement>();
        }

        var lists = new List<IReadOnlyList<JsonElement>>();
        foreach (var source in mapping.Sources)
        {
            if (source.Values is { } values)
            {
                lists.Add(values);
                continue;
            }

            var json = await xcoms.GetAsync(new XComKey(dag.DagId, runId, source.FromTaskId!, -1, source.XComKey), cancellationToken);
            using var document = json is null ? null : JsonDocument.Parse(json);
            if (document?.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidOperationException($"cannot expand over '{source.Argument}': the XCom '{source.XComKey}' of '{source.FromTaskId}' is not a list");
            }

            lists.Add(document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList());
        }

        if (mapping.Kwargs)
        {
            var item = lists[0][mapIndex];
            return item.ValueKind == JsonValueKind.Object
                ? item.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal)
                : throw new InvalidOperationException($"expand_kwargs over '{mapping.Sources[0].Argument}': element {mapIndex} is not an object of arguments");
        }

        var indexes = MapSpec.Indexes(lists.Select(l => l.Count).ToList(), mapIndex);
        return mapping.Sources.Select((s, i) => (s.Argument, Value: lists[i][indexes[i]])).ToDictionary(p => p.Argument, p => p.Value, StringComparer.Ordinal);
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

    private async Task HeartbeatAsync(AttemptMessage attempt, LeaseKeeper lease, CancellationToken stop)
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue {Queue}: message {MessageId} is not an attempt and was deleted: {Error}")]
    private static partial void LogPoison(ILogger logger, string queue, string messageId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} names a DAG or task this process has not loaded; leaving it for another host")]
    private static partial void LogUnknownTask(ILogger logger, string attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Attempt {Attempt} ended: {Outcome} {Error}")]
    private static partial void LogAttemptEnded(ILogger logger, string attempt, AttemptOutcome outcome, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} is a zombie: worker {Worker} silent for {Silence}")]
    private static partial void LogZombie(ILogger logger, string attempt, string? worker, TimeSpan silence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Callback} callback of task {Task} failed (the task's state is unchanged): {Error}")]
    private static partial void LogCallbackFailed(ILogger logger, string callback, string task, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat of {Attempt} failed: {Error}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string attempt, string error);
}
