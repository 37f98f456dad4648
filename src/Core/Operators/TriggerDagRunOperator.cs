using System.Globalization;
using System.Text.Json;
using Gale.Execution;
using Gale.Runs;
using Microsoft.Extensions.Logging;

namespace Gale.Operators;

/// <summary>
/// Triggers a run of another DAG (Airflow's TriggerDagRunOperator) with a conf and logical date, and pushes the new
/// run's id as the <c>trigger_run_id</c> XCom. With <see cref="WaitForCompletion"/> the task polls the run until it
/// reaches an allowed state (success) or a failed state, which fails the task. The wait holds a worker slot for now;
/// it becomes a deferred wait when deferrable tasks exist.
/// </summary>
public sealed partial class TriggerDagRunOperator(string triggerDagId) : ITemplatedOperator
{
    /// <summary>The DAG to trigger.</summary>
    public string TriggerDagId { get; } = triggerDagId ?? throw new ArgumentNullException(nameof(triggerDagId));

    /// <summary>The new run's id (default <c>manual__&lt;logical date&gt;</c>).</summary>
    public string? TriggerRunId { get; init; }

    /// <summary>The new run's logical date, ISO 8601 (default: now).</summary>
    public string? LogicalDate { get; init; }

    /// <summary>The new run's conf, a JSON object; string values are templates.</summary>
    public string? Conf { get; init; }

    /// <summary>Wait until the triggered run finishes.</summary>
    public bool WaitForCompletion { get; init; }

    /// <summary>Longest pause between checks while waiting (Airflow's default: 60 seconds); checks start after a second and back off to this.</summary>
    public TimeSpan PokeInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Wait for completion deferred (on a <see cref="Gale.Triggers.DagRunStateTrigger"/>, no worker held; the default) rather than polling on the worker.</summary>
    public bool Deferrable { get; init; } = true;

    /// <summary>States that end the wait successfully.</summary>
    public IReadOnlyList<DagRunState> AllowedStates { get; init; } = [DagRunState.Success];

    /// <summary>States that end the wait with a failure.</summary>
    public IReadOnlyList<DagRunState> FailedStates { get; init; } = [DagRunState.Failed];

    /// <summary>Skip (instead of fail) when a run with the same id already exists.</summary>
    public bool SkipWhenAlreadyExists { get; init; }

    /// <inheritdoc />
    public string OperatorName => "trigger_dagrun";

    /// <summary>Template fields: <c>trigger_dag_id</c>, <c>trigger_run_id</c>, <c>logical_date</c>, and <c>conf.NAME</c> for each string in the conf.</summary>
    public IReadOnlyDictionary<string, string> TemplateFields
    {
        get
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["trigger_dag_id"] = TriggerDagId };
            if (TriggerRunId is not null)
            {
                fields["trigger_run_id"] = TriggerRunId;
            }

            if (LogicalDate is not null)
            {
                fields["logical_date"] = LogicalDate;
            }

            foreach (var (name, value) in ConfStrings())
            {
                fields["conf." + name] = value;
            }

            return fields;
        }
    }

    /// <inheritdoc />
    public ITaskOperator WithRenderedFields(IReadOnlyDictionary<string, string> rendered)
    {
        ArgumentNullException.ThrowIfNull(rendered);
        string? conf = Conf;
        if (Conf is not null)
        {
            var values = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Conf)!;
            foreach (var (name, _) in ConfStrings())
            {
                values[name] = JsonSerializer.SerializeToElement(rendered["conf." + name]);
            }

            conf = JsonSerializer.Serialize(values);
        }

        return new TriggerDagRunOperator(rendered["trigger_dag_id"])
        {
            TriggerRunId = rendered.GetValueOrDefault("trigger_run_id"),
            LogicalDate = rendered.GetValueOrDefault("logical_date"),
            Conf = conf,
            WaitForCompletion = WaitForCompletion,
            PokeInterval = PokeInterval,
            Deferrable = Deferrable,
            AllowedStates = AllowedStates,
            FailedStates = FailedStates,
            SkipWhenAlreadyExists = SkipWhenAlreadyExists,
        };
    }

    /// <inheritdoc />
    public async ValueTask<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var launcher = context.Runs ?? throw new InvalidOperationException("trigger_dagrun needs an engine to create runs in");
        if (context.NextMethod == "execute_complete" && context.TriggerEvent is { } fired)
        {
            LogFinished(context.Log, TriggerDagId, fired.GetProperty("run_id").GetString()!, fired.GetProperty("state").GetString()!);
            return null;
        }

        DateTimeOffset? logicalDate = null;
        if (LogicalDate is not null)
        {
            logicalDate = DateTimeOffset.TryParse(LogicalDate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed
                : throw new FormatException($"logical_date '{LogicalDate}' is not an ISO 8601 date or date-time");
        }

        // A try released at shutdown runs again with the same try number: it resumes waiting for the run it made.
        if (await context.XCom.PullAsync<string>(context.TaskId, "trigger_run_id", context.MapIndex) is { } earlier
            && await launcher.GetStateAsync(new RunKey(TriggerDagId, earlier), context.CancellationToken) is not null)
        {
            LogResuming(context.Log, TriggerDagId, earlier);
            if (WaitForCompletion)
            {
                await WaitAsync(context, launcher, new RunKey(TriggerDagId, earlier));
            }

            return null;
        }

        // Airflow's default logical date is now, to the microsecond, so two triggers in one second get two runs.
        logicalDate ??= DateTimeOffset.UtcNow;
        var (run, created) = await launcher.TriggerAsync(TriggerDagId, TriggerRunId, logicalDate, Conf, context.CancellationToken);
        if (!created)
        {
            if (SkipWhenAlreadyExists)
            {
                throw new TaskSkippedException($"run '{run.RunId}' of DAG '{TriggerDagId}' already exists (skip_when_already_exists)");
            }

            throw new InvalidOperationException($"run '{run.RunId}' of DAG '{TriggerDagId}' already exists");
        }

        LogTriggered(context.Log, TriggerDagId, run.RunId);
        await context.XCom.PushAsync("trigger_dag_id", TriggerDagId);
        await context.XCom.PushAsync("trigger_run_id", run.RunId);
        await context.XCom.PushAsync("trigger_logical_date_iso", run.LogicalDate.ToString("O", CultureInfo.InvariantCulture));
        if (WaitForCompletion)
        {
            await WaitAsync(context, launcher, run.Key);
        }

        return null;
    }

    private async Task WaitAsync(TaskContext context, Gale.Engine.IDagRunLauncher launcher, RunKey run)
    {
        if (Deferrable)
        {
            context.Defer(new Gale.Triggers.DagRunStateTrigger
            {
                DagId = run.DagId,
                RunId = run.RunId,
                AllowedStates = [.. AllowedStates.Select(s => s.ToAirflowName())],
                FailedStates = [.. FailedStates.Select(s => s.ToAirflowName())],
                PokeInterval = PokeInterval,
            });
        }

        var pause = TimeSpan.FromSeconds(1) < PokeInterval ? TimeSpan.FromSeconds(1) : PokeInterval;
        while (true)
        {
            await Task.Delay(pause, context.CancellationToken);
            var state = await launcher.GetStateAsync(run, context.CancellationToken)
                ?? throw new InvalidOperationException($"run '{run.RunId}' of DAG '{run.DagId}' disappeared while waiting for it");
            if (FailedStates.Contains(state))
            {
                throw new InvalidOperationException($"{run.DagId} failed with failed state {state.ToAirflowName()}");
            }

            if (AllowedStates.Contains(state))
            {
                LogFinished(context.Log, run.DagId, run.RunId, state.ToAirflowName());
                return;
            }

            LogWaiting(context.Log, run.DagId, run.RunId, state.ToAirflowName());
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, PokeInterval.Ticks));
        }
    }

    private IEnumerable<KeyValuePair<string, string>> ConfStrings()
    {
        if (Conf is null)
        {
            yield break;
        }

        using var json = JsonDocument.Parse(Conf);
        foreach (var property in json.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToList())
        {
            yield return new(property.Name, property.Value.GetString()!);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Triggered DAG {DagId}: run {RunId}")]
    private static partial void LogTriggered(ILogger logger, string dagId, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming the wait for {DagId} run {RunId}, triggered by this try before a restart")]
    private static partial void LogResuming(ILogger logger, string dagId, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Waiting for {DagId} run {RunId}: {State}")]
    private static partial void LogWaiting(ILogger logger, string dagId, string runId, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "{DagId} run {RunId} finished: {State}")]
    private static partial void LogFinished(ILogger logger, string dagId, string runId, string state);
}
