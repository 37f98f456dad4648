using System.Text.Json;
using Gale.Dags;
using Gale.Execution;
using Gale.Logs;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Templates;
using Gale.Triggers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Engine;

/// <summary>
/// Runs one try of a task and says how it ended: the task's log, templates, the operator under its execution_timeout,
/// XComs, outlet asset events and the task's callbacks. It knows nothing of queues, leases or orchestrations: the
/// Durable Task activities (<c>RunTaskAttempt</c>, <c>FinishRun</c>) call it on every host.
/// </summary>
/// <param name="services">What tasks use (XComs, logs, variables, connections, ...).</param>
/// <param name="dags">The DAGs (for asset-scheduled consumers of outlets).</param>
/// <param name="clock">The clock.</param>
/// <param name="workerId">The worker recorded on the try.</param>
/// <param name="launcher">How trigger_dagrun starts runs.</param>
/// <param name="runs">Runs that sensors watching other runs read (null where none is available).</param>
/// <param name="loggers">Where logs go.</param>
public sealed partial class TaskAttemptExecutor(TaskServices services, IDagRegistry dags, TimeProvider clock, string workerId, IDagRunLauncher launcher, IRunReader? runs, ILoggerFactory? loggers = null)
{
    private readonly ILogger _log = (loggers ?? NullLoggerFactory.Instance).CreateLogger<TaskAttemptExecutor>();
    private readonly ILoggerFactory _loggers = loggers ?? NullLoggerFactory.Instance;

    /// <summary>Longest an on_success / on_failure / on_retry callback may run.</summary>
    public static readonly TimeSpan CallbackTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Runs one try of <paramref name="task"/> (instance <paramref name="ti"/>, already recorded as started) with its
    /// log: renders templates, runs the operator under its execution_timeout, pushes the return value, emits outlet
    /// events and runs the task's callbacks.
    /// </summary>
    /// <returns>The try's <see cref="TaskFinished"/>, or <see cref="TaskReleased"/> when <paramref name="stopping"/> ended it unfinished.</returns>
    public async Task<RunEvent> ExecuteAsync(Dag dag, DagTask task, DagRun run, TaskInstance ti, AttemptMessage attempt, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(ti);
        ArgumentNullException.ThrowIfNull(attempt);
        try
        {
            await services.RegisterKnownSecretsAsync(clock, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSecretsUnavailable(_log, e.Message);
        }

        await using var log = await OpenLogAsync(new TaskLogKey(dag.DagId, run.RunId, task.TaskId, ti.MapIndex, ti.TryNumber), resumed: ti.Deferral?.Event is not null);
        var taskLog = new TaskLogger(log, services.Masker, _loggers.CreateLogger($"gale.task.{dag.DagId}.{task.TaskId}"), clock);
        LogStarting(taskLog, ti.TryNumber, ti.MaxTries + 1, task.Operator.OperatorName, task.TaskId, run.RunId, ti.MapIndex);
        var result = await ExecuteLoggedAsync(dag, task, run, ti, attempt, taskLog, stopping);
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

    private async Task<RunEvent> ExecuteLoggedAsync(Dag dag, DagTask task, DagRun run, TaskInstance ti, AttemptMessage attempt, TaskLogger taskLog, CancellationToken stopping)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        if (task.ExecutionTimeout is { } timeout)
        {
            cancel.CancelAfter(timeout);
        }

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
                await services.XComs.DeleteTaskInstanceAsync(dag.DagId, run.RunId, task.TaskId, ti.MapIndex, cancel.Token);
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
            deferral = Deferrals.From(deferred, clock.GetUtcNow());
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
    /// The end of a run: records its span and metrics, then runs the DAG's on_success_callback or
    /// on_failure_callback (not for a run whose state a person set, as in Airflow), bounded by
    /// <see cref="CallbackTimeout"/>; a failing callback is logged and changes nothing.
    /// </summary>
    public async Task FinishRunAsync(Dag dag, DagRun run, string reason)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(run);
        Gale.Telemetry.GaleTelemetry.RunFinished(run, reason);
        var callback = run.State == DagRunState.Success ? dag.Settings.OnSuccessCallback : dag.Settings.OnFailureCallback;
        if (callback is null || reason == Gale.Runs.Commands.RunFinished.Marked)
        {
            return;
        }

        var name = run.State == DagRunState.Success ? "on_success_callback" : "on_failure_callback";
        using var timeout = new CancellationTokenSource(CallbackTimeout);
        await CallbackAsync(ctx => callback(ctx), name, CreateDagCallbackContext(dag, run, name, timeout.Token));
    }

    /// <summary>
    /// The context a DAG-level callback named <paramref name="name"/> runs with: the run's dates, conf, params,
    /// templates, variables and connections; its output goes, masked, to this host's log (as Airflow's DAG callbacks
    /// log to the DAG processor, not to a task log).
    /// </summary>
    public TaskContext CreateDagCallbackContext(Dag dag, DagRun run, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(run);
        var noFile = new TaskLogWriter(new Gale.Logs.TaskLogKey(dag.DagId, run.RunId, name, -1, 1), (_, _) => Task.CompletedTask, TimeSpan.FromHours(1));
        var log = new TaskLogger(noFile, services.Masker, _loggers.CreateLogger($"gale.dag.{dag.DagId}.{name}"), clock);
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
            Clock = clock,
            Conf = JsonDocument.Parse(run.Conf).RootElement.Clone(),
            XCom = new XComAccessor(services.XComs, dag.DagId, run.RunId, task.TaskId, ti.MapIndex, cancellationToken) { MaxBytes = services.XComMaxBytes },
            Log = taskLog,
            CancellationToken = cancellationToken,
            Variables = services.VariableResolver,
            Connections = services.ConnectionResolver,
            Masker = services.Masker,
            Http = services.Http,
            Runs = launcher,
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
        context.TriggerContextFor = checks => TriggerRunner.Context(clock, runs, services, taskLog, run.Key, ti.Key, ti.TryNumber, checks, cancellationToken);
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
            var values = await services.XComs.GetMappedAsync(dag.DagId, runId, taskId, key, cancellationToken);
            return JsonSerializer.SerializeToElement(values.Select(v => JsonDocument.Parse(v).RootElement.Clone()).ToList());
        }

        var json = await services.XComs.GetAsync(new XComKey(dag.DagId, runId, taskId, mapIndex ?? -1, key), cancellationToken);
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
        new() { EventId = $"release:{attempt.AttemptId}", Task = attempt.Task, TryNumber = attempt.TryNumber, WorkerId = workerId, At = clock.GetUtcNow() };

    /// <summary>The event that ends <paramref name="attempt"/> with <paramref name="outcome"/>.</summary>
    public TaskFinished Finished(AttemptMessage attempt, TaskInstance ti, AttemptOutcome outcome, string? error, int? resultLength, IReadOnlyList<string>? follow, bool shortCircuit) => new()
    {
        EventId = $"finish:{attempt.AttemptId}",
        Task = attempt.Task,
        TryNumber = attempt.TryNumber,
        Outcome = outcome,
        Message = error,
        ResultLength = resultLength,
        FollowTaskIds = follow,
        SkipAllDownstream = shortCircuit,
        At = clock.GetUtcNow(),
        StartedAt = ti.StartDate,
        WorkerId = workerId,
    };

    // Airflow emits an asset event per outlet when the task succeeds. The id names the try, so a redelivered
    // attempt stores it once; a failure to store fails the try (the event must not be lost).
    private async Task EmitOutletEventsAsync(Dag dag, DagTask task, DagRun run, TaskInstance ti, TaskContext context)
    {
        if (task.Outlets.Count == 0)
        {
            return;
        }

        var events = task.Outlets.Select(outlet => new Gale.Assets.AssetEvent($"task:{dag.DagId}/{run.RunId}/{task.TaskId}/{ti.MapIndex}/{ti.TryNumber}:{outlet.Uri}", outlet.Uri, Gale.Assets.AssetEventSource.Task, clock.GetUtcNow())
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
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), clock, context.CancellationToken);
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

            var json = await services.XComs.GetAsync(new XComKey(dag.DagId, runId, source.FromTaskId!, -1, source.XComKey), cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Attempt {Attempt} ended: {Outcome} {Error}")]
    private static partial void LogAttemptEnded(ILogger logger, string attempt, AttemptOutcome outcome, string? error);

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
}
