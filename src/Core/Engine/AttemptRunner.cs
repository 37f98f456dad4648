using System.Collections.Concurrent;
using System.Text.Json;
using Gale.Dags;
using Gale.Execution;
using Gale.Limits;
using Gale.Logs;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Telemetry;
using Gale.Templates;
using Gale.Triggers;
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
    private readonly IXComStore xcoms = services.XComs;
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);
    private readonly ILogger _log = (loggers ?? NullLoggerFactory.Instance).CreateLogger<AttemptRunner>();
    private readonly ILoggerFactory _loggers = loggers ?? NullLoggerFactory.Instance;

    /// <summary>How tasks start runs of other DAGs (default: queued, started by the scheduler).</summary>
    public IDagRunLauncher Launcher { get; set; } = new EngineRunLauncher(engine, dags);

    /// <summary>The services attempts use.</summary>
    public TaskServices Services => services;

    /// <summary>How long an attempt whose slots are busy waits before it is looked at again.</summary>
    public static readonly TimeSpan SlotRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Longest an on_success / on_failure / on_retry callback may run.</summary>
    public static readonly TimeSpan CallbackTimeout = TimeSpan.FromMinutes(5);

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
                await engine.ApplyAsync(attempt.Run, [Finished(attempt, queued, AttemptOutcome.Failed, problem, null, null, false)], CancellationToken.None);
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
            result = await ExecuteAsync(dag, dag.GetTask(attempt.TaskId), snapshot, ti, attempt, stopping);
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

    private async Task<RunEvent> ExecuteAsync(Dag dag, DagTask task, RunSnapshot snapshot, TaskInstance ti, AttemptMessage attempt, CancellationToken stopping)
    {
        var run = snapshot.Run;
        try
        {
            await services.RegisterKnownSecretsAsync(engine.Clock, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSecretsUnavailable(_log, e.Message);
        }

        await using var log = await OpenLogAsync(new TaskLogKey(dag.DagId, run.RunId, task.TaskId, ti.MapIndex, ti.TryNumber), resumed: ti.Deferral?.Event is not null);
        var taskLog = new TaskLogger(log, services.Masker, _loggers.CreateLogger($"gale.task.{dag.DagId}.{task.TaskId}"), engine.Clock);
        LogStarting(taskLog, ti.TryNumber, ti.MaxTries + 1, task.Operator.OperatorName, task.TaskId, run.RunId, ti.MapIndex);
        var result = await ExecuteLoggedAsync(dag, task, snapshot, ti, attempt, taskLog, stopping);
        if (result is TaskFinished finished)
        {
            var marked = finished.Outcome switch
            {
                AttemptOutcome.Success => "SUCCESS",
                AttemptOutcome.Skipped => "SKIPPED",
                AttemptOutcome.Deferred => "DEFERRED",
                _ when !finished.NoRetry && RetryPolicy.CanRetry(ti.TryNumber, ti.MaxTries) => "UP_FOR_RETRY",
                _ => "FAILED",
            };
            LogMarked(taskLog, marked, dag.DagId, task.TaskId, run.RunId, ti.MapIndex, finished.Message is null ? string.Empty : ": " + finished.Message);
        }
        else
        {
            LogReleased(taskLog);
        }

        return result;
    }

    // A try resumed after deferral continues the log its first part wrote (Airflow shows one log per try).
    private async Task<TaskLogWriter> OpenLogAsync(TaskLogKey key, bool resumed)
    {
        try
        {
            var earlier = resumed ? await services.Logs.ReadAsync(key, CancellationToken.None) : null;
            var writer = await services.Logs.OpenAsync(key, CancellationToken.None);
            if (!string.IsNullOrEmpty(earlier))
            {
                writer.WriteLine(earlier.TrimEnd('\n'));
            }

            return writer;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The task still runs; only its log is lost.
            LogLogUnavailable(_log, key.Path, e.Message);
            return new TaskLogWriter(key, (_, _) => Task.CompletedTask, TimeSpan.FromHours(1));
        }
    }

    private async Task<RunEvent> ExecuteLoggedAsync(Dag dag, DagTask task, RunSnapshot snapshot, TaskInstance ti, AttemptMessage attempt, TaskLogger taskLog, CancellationToken stopping)
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
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return Released(attempt);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Finished(attempt, ti, AttemptOutcome.Failed, services.Masker.Redact(e.Message), null, null, false);
        }

        var (parameters, paramErrors) = DagParams.Resolve(dag.Settings.Params, run.Conf);
        if (paramErrors.Count > 0)
        {
            return Finished(attempt, ti, AttemptOutcome.Failed, "invalid params: " + string.Join("; ", paramErrors), null, null, false);
        }

        IReadOnlyList<Gale.Assets.AssetEvent> triggering = run.RunType == DagRunType.AssetTriggered ? await services.AssetQueue.TriggeringEventsAsync(run.Key, cancel.Token) : [];
        var context = CreateContext(dag, task, ti, run, parameters, mapArguments, taskLog, cancel.Token, triggering);
        var resumed = ti.Deferral is { Event: { } fired } ? ti.Deferral : null;
        if (resumed is not null)
        {
            context = context.Resuming(resumed);
            LogResuming(taskLog, resumed.Method ?? "the start");
        }

        AttemptOutcome outcome;
        string? error = null;
        int? resultLength = null;
        Deferral? deferral = null;
        var noRetry = false;
        try
        {
            if (resumed is null)
            {
                await CallbackAsync(task.Callbacks.OnExecute, "on_execute", context);
            }

            if (ti.TryNumber > 1 && resumed is null)
            {
                // Like Airflow, a retried or cleared task starts without the XComs of its earlier tries.
                await xcoms.DeleteTaskInstanceAsync(dag.DagId, run.RunId, task.TaskId, ti.MapIndex, cancel.Token);
            }

            var @operator = await RenderAsync(task, ti, context);
            var value = await @operator.ExecuteAsync(context);
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

            await EmitOutletEventsAsync(dag, task, run, ti, context);
            outcome = AttemptOutcome.Success;
        }
        catch (TaskSkippedException e)
        {
            outcome = AttemptOutcome.Skipped;
            error = e.Message;
        }
        catch (TaskFailException e)
        {
            outcome = AttemptOutcome.Failed;
            error = e.Message;
            noRetry = true;
        }
        catch (TaskDeferredException deferred)
        {
            outcome = AttemptOutcome.Deferred;
            deferral = Deferrals.From(deferred, engine.Clock.GetUtcNow());
            LogDeferred(taskLog, deferred.Trigger.Kind, deferral.TimeoutAt);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return Released(attempt);
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
            LogTaskFailed(taskLog, e);
        }

        error = error is null ? null : services.Masker.Redact(error);
        LogAttemptEnded(_log, attempt.AttemptId, outcome, error);
        var callback = outcome switch
        {
            AttemptOutcome.Success => (task.Callbacks.OnSuccess, "on_success"),
            AttemptOutcome.Failed when !noRetry && RetryPolicy.CanRetry(ti.TryNumber, ti.MaxTries) => (task.Callbacks.OnRetry, "on_retry"),
            AttemptOutcome.Failed => (task.Callbacks.OnFailure, "on_failure"),
            _ => (null, string.Empty),
        };
        // The try's token may be cancelled (execution_timeout); callbacks get their own, bounded, that only shutdown cancels.
        using var callbackCancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        callbackCancel.CancelAfter(CallbackTimeout);
        await CallbackAsync(callback.Item1, callback.Item2, context.WithCancellation(callbackCancel.Token));
        var success = outcome == AttemptOutcome.Success;
        return Finished(attempt, ti, outcome, error, success ? resultLength : null, success ? context.FollowedTaskIds : null, success && context.ShortCircuited) with { Deferral = deferral, NoRetry = noRetry };
    }

    /// <summary>
    /// The context a DAG-level callback named <paramref name="name"/> runs with: the run's dates, conf, params,
    /// templates, variables and connections; its output goes, masked, to this host's log (as Airflow's DAG callbacks
    /// log to the DAG processor, not to a task log). Set as the engine's <see cref="RunEngine.DagCallbackContext"/>.
    /// </summary>
    public TaskContext CreateDagCallbackContext(Dag dag, DagRun run, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(run);
        var noFile = new TaskLogWriter(new Gale.Logs.TaskLogKey(dag.DagId, run.RunId, name, -1, 1), (_, _) => Task.CompletedTask, TimeSpan.FromHours(1));
        var log = new TaskLogger(noFile, services.Masker, _loggers.CreateLogger($"gale.dag.{dag.DagId}.{name}"), engine.Clock);
        var (parameters, _) = DagParams.Resolve(dag.Settings.Params, run.Conf);
        var task = new DagTask { TaskId = name, Operator = new Gale.Operators.EmptyOperator() };
        return CreateContext(dag, task, new TaskInstance { TaskId = name }, run, parameters, new Dictionary<string, JsonElement>(), log, cancellationToken);
    }

    private TaskContext CreateContext(Dag dag, DagTask task, TaskInstance ti, DagRun run, IReadOnlyDictionary<string, JsonElement> parameters, IReadOnlyDictionary<string, JsonElement> mapArguments, TaskLogger taskLog, CancellationToken cancellationToken, IReadOnlyList<Gale.Assets.AssetEvent>? triggering = null)
    {
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
            RunType = run.RunType,
            Timetable = dag.Timetable,
            Clock = engine.Clock,
            Conf = JsonDocument.Parse(run.Conf).RootElement.Clone(),
            XCom = new XComAccessor(xcoms, dag.DagId, run.RunId, task.TaskId, ti.MapIndex, cancellationToken) { MaxBytes = services.XComMaxBytes },
            Log = taskLog,
            CancellationToken = cancellationToken,
            Variables = services.VariableResolver,
            Connections = services.ConnectionResolver,
            Masker = services.Masker,
            Http = services.Http,
            Runs = Launcher,
            Cleanup = new CleanupServices(services.CleanupRegistry, services.Artifacts),
            CleanupCallbacks = dag.Settings.CleanupCallbacks,
            TriggeringAssetEvents = triggering is null ? ct => services.AssetQueue.TriggeringEventsAsync(run.Key, ct) : _ => Task.FromResult(triggering),
            OtherTaskIds = [.. dag.TopologicalOrder.Where(t => t.TaskId != task.TaskId && t.Operator is not Gale.Operators.CleanupOperator).Select(t => t.TaskId)],
        };
        var scope = new TemplateScope
        {
            Values = TemplateScopes.Values(dag, task, context, triggering),
            Variables = services.VariableResolver,
            Connections = services.ConnectionResolver,
            PullXCom = (taskId, key, mapIndex, ct) => PullForTemplateAsync(dag, run.RunId, taskId, key, mapIndex, ct),
        };
        context.Templates = new TemplateRenderer(scope);
        context.TriggerContextFor = checks => TriggerRunner.Context(engine, services, taskLog, run.Key, ti.Key, ti.TryNumber, checks, cancellationToken);
        return context;
    }

    // Renders the operator's template fields, stores them (masked) on the task instance, and returns the rendered copy.
    private async Task<ITaskOperator> RenderAsync(DagTask task, TaskInstance ti, TaskContext context)
    {
        if (task.Operator is not ITemplatedOperator templated)
        {
            return task.Operator;
        }

        var rendered = await context.Templates!.RenderFieldsAsync(templated.TemplateFields, context.CancellationToken);
        foreach (var (name, value) in rendered)
        {
            // env.DB_PASSWORD, headers.Authorization: the last part of the field name says whether it holds a secret.
            services.Masker.AddIfSensitive(name[(name.LastIndexOf('.') + 1)..], value);
        }

        var masked = rendered.ToDictionary(f => f.Key, f => services.Masker.Redact(f.Value), StringComparer.Ordinal);
        await services.Rendered.SetAsync(context.DagId, context.RunId, task.TaskId, ti.MapIndex, new RenderedFields(ti.TryNumber, masked).Truncated(), context.CancellationToken);
        return templated.WithRenderedFields(rendered);
    }

    // ti.xcom_pull in a template: an unmapped task's value, or the list of a mapped task's values (Airflow 2.3+).
    private async Task<JsonElement?> PullForTemplateAsync(Dag dag, string runId, string taskId, string key, int? mapIndex, CancellationToken cancellationToken)
    {
        if (!dag.HasTask(taskId))
        {
            throw new TemplateException($"xcom_pull: DAG '{dag.DagId}' has no task '{taskId}'");
        }

        if (mapIndex is null && dag.GetTask(taskId).Mapping is not null)
        {
            var values = await xcoms.GetMappedAsync(dag.DagId, runId, taskId, key, cancellationToken);
            return JsonSerializer.SerializeToElement(values.Select(v => JsonDocument.Parse(v).RootElement.Clone()).ToList());
        }

        var json = await xcoms.GetAsync(new XComKey(dag.DagId, runId, taskId, mapIndex ?? -1, key), cancellationToken);
        return json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
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
        catch (Exception e)
        {
            // Whatever happens in a callback (even its own timeout) is logged and changes nothing.
            var error = services.Masker.Redact($"{e.GetType().Name}: {e.Message}");
            LogCallbackFailed(_log, name, context.TaskId, error);
            LogCallbackFailed(context.Log, name, context.TaskId, error);
        }
    }

    private TaskReleased Released(AttemptMessage attempt) =>
        new() { EventId = $"release:{attempt.AttemptId}", Task = attempt.Task, TryNumber = attempt.TryNumber, WorkerId = engine.Options.WorkerId, At = engine.Clock.GetUtcNow() };

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

    // Airflow emits an asset event per outlet when the task succeeds. The id names the try, so a redelivered
    // attempt stores it once; a failure to store fails the try (the event must not be lost).
    private async Task EmitOutletEventsAsync(Dag dag, DagTask task, DagRun run, TaskInstance ti, TaskContext context)
    {
        if (task.Outlets.Count == 0)
        {
            return;
        }

        var events = task.Outlets.Select(outlet => new Gale.Assets.AssetEvent($"task:{dag.DagId}/{run.RunId}/{task.TaskId}/{ti.MapIndex}/{ti.TryNumber}:{outlet.Uri}", outlet.Uri, Gale.Assets.AssetEventSource.Task, engine.Clock.GetUtcNow())
        {
            Extra = context.OutletExtras.TryGetValue(outlet.Uri, out var value) ? JsonSerializer.Serialize(value, XComJson.Options) : "{}",
            SourceDagId = dag.DagId,
            SourceRunId = run.RunId,
            SourceTaskId = task.TaskId,
            SourceMapIndex = ti.MapIndex,
        }).ToList();
        // Publishing is idempotent: retry it here rather than fail a try whose events some consumers already queued.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await AssetPublisher.PublishAsync(events, context.CancellationToken);
                break;
            }
            catch (Exception) when (attempt < 4 && !context.CancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), engine.Clock, context.CancellationToken);
            }
        }

        foreach (var outlet in task.Outlets)
        {
            LogOutlet(context.Log, outlet.Uri);
        }
    }

    /// <summary>How this runner publishes asset events (outlets), queueing them for asset-scheduled DAGs.</summary>
    public Gale.Assets.AssetEventPublisher AssetPublisher => _publisher ??= new(services.AssetEvents, services.AssetQueue, dags);

    private Gale.Assets.AssetEventPublisher? _publisher;

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Attempt {Attempt} ended: {Outcome} {Error}")]
    private static partial void LogAttemptEnded(ILogger logger, string attempt, AttemptOutcome outcome, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} is a zombie: worker {Worker} silent for {Silence}")]
    private static partial void LogZombie(ILogger logger, string attempt, string? worker, TimeSpan silence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Callback} callback of task {Task} failed (the task's state is unchanged): {Error}")]
    private static partial void LogCallbackFailed(ILogger logger, string callback, string task, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Asset event emitted for outlet {Uri}")]
    private static partial void LogOutlet(ILogger logger, string uri);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming after deferral in {Method}")]
    private static partial void LogResuming(ILogger logger, string method);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pausing task as DEFERRED on a {Trigger} trigger (timeout: {TimeoutAt})")]
    private static partial void LogDeferred(ILogger logger, string trigger, DateTimeOffset? timeoutAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting attempt {TryNumber} of {MaxTries}: <Task({Operator}): {TaskId}> run {RunId} map_index {MapIndex}")]
    private static partial void LogStarting(ILogger logger, int tryNumber, int maxTries, string @operator, string taskId, string runId, int mapIndex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Marking task as {State}. dag_id={DagId}, task_id={TaskId}, run_id={RunId}, map_index={MapIndex}{Reason}")]
    private static partial void LogMarked(ILogger logger, string state, string dagId, string taskId, string runId, int mapIndex, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The worker is stopping: this attempt is released and will run again")]
    private static partial void LogReleased(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Task failed with exception")]
    private static partial void LogTaskFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The log {Path} cannot be written; the task runs without it: {Error}")]
    private static partial void LogLogUnavailable(ILogger logger, string path, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Known secrets could not be loaded for masking (only those this attempt resolves are masked): {Error}")]
    private static partial void LogSecretsUnavailable(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} lost a pool slot (its lease expired and another attempt took it)")]
    private static partial void LogSlotsLost(ILogger logger, string attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat of {Attempt} failed: {Error}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string attempt, string error);
}
