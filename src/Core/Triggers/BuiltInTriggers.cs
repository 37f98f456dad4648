namespace Gale.Triggers;

/// <summary>Fires at a moment (Airflow's DateTimeTrigger): a durable timer, chained past the queues' 7-day limit.</summary>
public sealed class DateTimeTrigger : Trigger
{
    /// <summary>When it fires.</summary>
    public required DateTimeOffset Moment { get; init; }

    /// <inheritdoc />
    public override string Kind => "datetime";

    /// <inheritdoc />
    public override DateTimeOffset? FirstCheckAt(DateTimeOffset now) => Moment;

    /// <inheritdoc />
    public override ValueTask<TriggerCheck> CheckAsync(TriggerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult(context.Now >= Moment ? TriggerCheck.Fire(Moment) : TriggerCheck.Later(Moment));
    }
}

/// <summary>Fires after a delay from when the task defers (Airflow's TimeDeltaTrigger); stored as a <see cref="DateTimeTrigger"/>.</summary>
public sealed class TimeDeltaTrigger : Trigger
{
    /// <summary>How long to wait.</summary>
    public required TimeSpan Delta { get; init; }

    /// <inheritdoc />
    public override string Kind => "timedelta";

    /// <inheritdoc />
    public override Trigger Anchored(DateTimeOffset now) => new DateTimeTrigger { Moment = now + Delta };

    /// <inheritdoc />
    public override DateTimeOffset? FirstCheckAt(DateTimeOffset now) => now + Delta;

    /// <inheritdoc />
    public override ValueTask<TriggerCheck> CheckAsync(TriggerContext context) =>
        throw new InvalidOperationException("a TimeDeltaTrigger is stored as a DateTimeTrigger when the task defers");
}

/// <summary>
/// Fires when an external event of this name is sent to the run (case-insensitive): <c>gale runs event</c> or
/// <c>POST /api/v1/dags/{dag_id}/dagRuns/{run_id}/events/{name}</c>. An event sent before the task waits is kept and
/// delivered, as Durable Functions does. The event's data is what the task resumes with.
/// </summary>
public sealed class ExternalEventTrigger : Trigger
{
    /// <summary>The event's name.</summary>
    public required string Name { get; init; }

    /// <inheritdoc />
    public override string Kind => "external_event";

    /// <inheritdoc />
    public override string? EventName => Name.ToLowerInvariant();

    /// <inheritdoc />
    public override DateTimeOffset? FirstCheckAt(DateTimeOffset now) => null;

    /// <inheritdoc />
    public override ValueTask<TriggerCheck> CheckAsync(TriggerContext context) => ValueTask.FromResult(new TriggerCheck(false, "null", null));
}

/// <summary>
/// Fires when every instance of the listed tasks of the same run has finished, whatever the outcome (success,
/// failed, skipped, upstream_failed). The run's own decision function fires it, with no checks and no edges in the
/// graph: what the <c>cleanup</c> task waits on.
/// </summary>
public sealed class RunTasksFinishedTrigger : Trigger
{
    /// <summary>The tasks to wait for.</summary>
    public required IReadOnlyList<string> TaskIds { get; init; }

    /// <inheritdoc />
    public override string Kind => "run_tasks_finished";

    /// <inheritdoc />
    public override IReadOnlyList<string>? WaitsForTasks => TaskIds;

    /// <inheritdoc />
    public override DateTimeOffset? FirstCheckAt(DateTimeOffset now) => null;

    /// <inheritdoc />
    public override ValueTask<TriggerCheck> CheckAsync(TriggerContext context) => ValueTask.FromResult(new TriggerCheck(false, "null", null));
}
