using System.Text.Json.Serialization;

namespace Gale.Runs.Events;

/// <summary>
/// Something that happened to a run. Every event has an id; the decision function applies each at most once
/// (naturally, for attempt-scoped events whose try number goes stale, or through the snapshot's applied-id memory).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RunStarted), "run_started")]
[JsonDerivedType(typeof(TaskStarted), "task_started")]
[JsonDerivedType(typeof(TaskHeartbeat), "task_heartbeat")]
[JsonDerivedType(typeof(TaskFinished), "task_finished")]
[JsonDerivedType(typeof(RetryDue), "retry_due")]
[JsonDerivedType(typeof(TaskReleased), "task_released")]
[JsonDerivedType(typeof(TasksCleared), "tasks_cleared")]
[JsonDerivedType(typeof(RunStateSet), "run_state_set")]
[JsonDerivedType(typeof(TaskStateSet), "task_state_set")]
[JsonDerivedType(typeof(RunTimeoutDue), "run_timeout_due")]
[JsonDerivedType(typeof(RunReevaluate), "run_reevaluate")]
[JsonDerivedType(typeof(TriggerFired), "trigger_fired")]
[JsonDerivedType(typeof(TriggerCheckDue), "trigger_check_due")]
[JsonDerivedType(typeof(TriggerChecked), "trigger_checked")]
[JsonDerivedType(typeof(TriggerTimeoutDue), "trigger_timeout_due")]
[JsonDerivedType(typeof(ExternalEventRaised), "external_event")]
public abstract record RunEvent
{
    /// <summary>Unique id of this event (the same on every redelivery).</summary>
    public required string EventId { get; init; }

    /// <summary>When the event happened.</summary>
    public DateTimeOffset At { get; init; }
}

/// <summary>Move a queued run to running and schedule its first tasks.</summary>
public sealed record RunStarted : RunEvent;

/// <summary>Nothing happened to the run itself, but something it waits on may have (the previous run, for depends_on_past): decide again.</summary>
public sealed record RunReevaluate : RunEvent;

/// <summary>The dagrun_timeout timer of a run fired: if it is still running past its timeout, it fails.</summary>
public sealed record RunTimeoutDue : RunEvent;

/// <summary>A worker began attempt <see cref="TryNumber"/> of a task instance.</summary>
public sealed record TaskStarted : RunEvent
{
    /// <summary>The task instance.</summary>
    public required TaskInstanceKey Task { get; init; }

    /// <summary>The attempt.</summary>
    public required int TryNumber { get; init; }

    /// <summary>The worker running it.</summary>
    public required string WorkerId { get; init; }
}

/// <summary>A running attempt is alive (refreshes the zombie timer).</summary>
public sealed record TaskHeartbeat : RunEvent
{
    /// <summary>The task instance.</summary>
    public required TaskInstanceKey Task { get; init; }

    /// <summary>The attempt.</summary>
    public required int TryNumber { get; init; }
}

/// <summary>How an attempt ended.</summary>
public enum AttemptOutcome
{
    /// <summary>The task succeeded.</summary>
    Success,

    /// <summary>The task raised an error (or timed out, or its worker vanished).</summary>
    Failed,

    /// <summary>The task skipped itself.</summary>
    Skipped,

    /// <summary>The task deferred itself (see <see cref="TaskFinished.Deferral"/>); it resumes in the same try.</summary>
    Deferred,
}

/// <summary>An attempt ended. A result for a try that is no longer current is ignored.</summary>
public sealed record TaskFinished : RunEvent
{
    /// <summary>The task instance.</summary>
    public required TaskInstanceKey Task { get; init; }

    /// <summary>The attempt.</summary>
    public required int TryNumber { get; init; }

    /// <summary>How it ended.</summary>
    public required AttemptOutcome Outcome { get; init; }

    /// <summary>Why it failed or skipped, for people.</summary>
    public string? Message { get; init; }

    /// <summary>On success with a list return value: its length (for mapped downstream tasks).</summary>
    public int? ResultLength { get; init; }

    /// <summary>A branch's choice: on success, direct downstream tasks not listed here are skipped.</summary>
    public IReadOnlyList<string>? FollowTaskIds { get; init; }

    /// <summary>A short-circuit: on success, every task downstream (except teardowns) is skipped.</summary>
    public bool SkipAllDownstream { get; init; }

    /// <summary>When the attempt started (if the start was never recorded).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>The worker that ran it.</summary>
    public string? WorkerId { get; init; }

    /// <summary>With <see cref="AttemptOutcome.Failed"/>: fail now, whatever retries are left.</summary>
    public bool NoRetry { get; init; }

    /// <summary>With <see cref="AttemptOutcome.Deferred"/>: what the task waits for.</summary>
    public Deferral? Deferral { get; init; }
}

/// <summary>A durable timer fired: an up_for_retry instance's retry delay is over.</summary>
public sealed record RetryDue : RunEvent
{
    /// <summary>The task instance.</summary>
    public required TaskInstanceKey Task { get; init; }

    /// <summary>The try that failed and waits to be retried.</summary>
    public required int FailedTryNumber { get; init; }
}

/// <summary>A worker gave a running attempt back unfinished (graceful shutdown): the same try is queued again.</summary>
public sealed record TaskReleased : RunEvent
{
    /// <summary>The task instance.</summary>
    public required TaskInstanceKey Task { get; init; }

    /// <summary>The attempt.</summary>
    public required int TryNumber { get; init; }

    /// <summary>The worker giving it back.</summary>
    public required string WorkerId { get; init; }
}

/// <summary>
/// Clear task instances (Airflow's clear): they run again with the next try number and their full retries. Running
/// instances become restarting and run again once their current attempt ends. A finished run goes back to running.
/// Applied at most once per event id.
/// </summary>
public sealed record TasksCleared : RunEvent
{
    /// <summary>The tasks to clear.</summary>
    public required IReadOnlyList<string> TaskIds { get; init; }

    /// <summary>Also clear everything downstream of them.</summary>
    public bool IncludeDownstream { get; init; }

    /// <summary>Also clear everything upstream of them.</summary>
    public bool IncludeUpstream { get; init; }

    /// <summary>Clear only instances that failed or are upstream_failed.</summary>
    public bool OnlyFailed { get; init; }
}

/// <summary>A deferred task's trigger fired: the task is queued again, in the same try, with the event.</summary>
public sealed record TriggerFired : RunEvent
{
    /// <summary>The task instance.</summary>
    public required TaskInstanceKey Task { get; init; }

    /// <summary>The try that deferred.</summary>
    public required int TryNumber { get; init; }

    /// <summary>The event (JSON).</summary>
    public string Data { get; init; } = "null";

    /// <summary>The check that found it fired; applied only while it is the deferral's current check (a duplicate check of an earlier wait in the same try changes nothing).</summary>
    public int Check { get; init; }
}

/// <summary>
/// A durable timer for a deferred task's trigger: check it now (a timer's moment came, or a polling trigger's poke is
/// due). The engine runs the check and applies <see cref="TriggerFired"/> or schedules the next check; the decision
/// function itself ignores it.
/// </summary>
public sealed record TriggerCheckDue : RunEvent
{
    /// <summary>The task instance.</summary>
    public required TaskInstanceKey Task { get; init; }

    /// <summary>The try that deferred.</summary>
    public required int TryNumber { get; init; }

    /// <summary>Which check this is (the deferral's <see cref="Deferral.Checks"/> when it was scheduled); a stale one is ignored.</summary>
    public int Check { get; init; }
}

/// <summary>A check found the trigger not fired yet (next check at <see cref="NextCheckAt"/>), or failed with <see cref="Error"/> (the try fails).</summary>
public sealed record TriggerChecked : RunEvent
{
    /// <summary>The task instance.</summary>
    public required TaskInstanceKey Task { get; init; }

    /// <summary>The try that deferred.</summary>
    public required int TryNumber { get; init; }

    /// <summary>The check's number; applied only when it is the deferral's current one.</summary>
    public required int Check { get; init; }

    /// <summary>When to check again; null: not again (the trigger waits for something else, or its timeout).</summary>
    public DateTimeOffset? NextCheckAt { get; init; }

    /// <summary>Why the check failed; the deferred try fails with it.</summary>
    public string? Error { get; init; }
}

/// <summary>A deferred task's timeout came: if it still waits, it fails or is skipped as its deferral says.</summary>
public sealed record TriggerTimeoutDue : RunEvent
{
    /// <summary>The task instance.</summary>
    public required TaskInstanceKey Task { get; init; }

    /// <summary>The try that deferred.</summary>
    public required int TryNumber { get; init; }
}

/// <summary>
/// An external event sent to a run (Durable Functions' RaiseEvent): it wakes every task waiting for that name (case
/// insensitive); when none waits, it is kept and wakes the first task that waits for it. Applied at most once per id.
/// </summary>
public sealed record ExternalEventRaised : RunEvent
{
    /// <summary>The event's name.</summary>
    public required string Name { get; init; }

    /// <summary>Its payload (JSON).</summary>
    public string Data { get; init; } = "null";
}

/// <summary>
/// A person set the run's state (Airflow's PATCH dagRun state): <c>success</c> marks every task instance that did not
/// succeed or skip as success; <c>failed</c> fails the running ones and skips the other unfinished ones. Attempts
/// still running finish on their worker and their results are ignored. Applied at most once per event id.
/// </summary>
public sealed record RunStateSet : RunEvent
{
    /// <summary>Success or failed.</summary>
    public required DagRunState State { get; init; }
}

/// <summary>
/// A person set one task instance's state (Airflow's PATCH taskInstance new_state): success, failed or skipped. In
/// an active run, its downstream tasks are evaluated again. Applied at most once per event id.
/// </summary>
public sealed record TaskStateSet : RunEvent
{
    /// <summary>The task instance.</summary>
    public required TaskInstanceKey Task { get; init; }

    /// <summary>Success, failed or skipped.</summary>
    public required TaskInstanceState State { get; init; }
}
