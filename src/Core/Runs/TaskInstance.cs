namespace Gale.Runs;

/// <summary>One task instance of a run, with Airflow's fields.</summary>
public sealed record TaskInstance
{
    /// <summary>The task id.</summary>
    public required string TaskId { get; init; }

    /// <summary>The map index, -1 when unmapped.</summary>
    public int MapIndex { get; init; } = -1;

    /// <summary>The current state.</summary>
    public TaskInstanceState State { get; init; } = TaskInstanceState.None;

    /// <summary>The current (or last) attempt's number; 0 before the first attempt is queued.</summary>
    public int TryNumber { get; init; }

    /// <summary>Airflow's max_tries: the task's retries (attempts allowed = max_tries + 1).</summary>
    public int MaxTries { get; init; }

    /// <summary>When the current attempt was queued.</summary>
    public DateTimeOffset? QueuedAt { get; init; }

    /// <summary>When the current attempt started running.</summary>
    public DateTimeOffset? StartDate { get; init; }

    /// <summary>When the task instance finished.</summary>
    public DateTimeOffset? EndDate { get; init; }

    /// <summary>The worker running (or that ran) the current attempt.</summary>
    public string? WorkerId { get; init; }

    /// <summary>The running attempt's last heartbeat.</summary>
    public DateTimeOffset? HeartbeatAt { get; init; }

    /// <summary>When an up_for_retry instance becomes due again.</summary>
    public DateTimeOffset? NextRetryAt { get; init; }

    /// <summary>When the task succeeded with a list as its return value: the list's length (what a mapped downstream expands over).</summary>
    public int? ResultLength { get; init; }

    /// <summary>While deferred (or up_for_reschedule): what the instance waits for; when it fired, the event it resumes with.</summary>
    public Deferral? Deferral { get; init; }

    /// <summary>Why the last attempt failed or was skipped, for people.</summary>
    public string? Message { get; init; }

    /// <summary>The key of this instance.</summary>
    public TaskInstanceKey Key => new(TaskId, MapIndex);

    /// <summary>Running time of the last attempt (end − start), when both are known.</summary>
    public TimeSpan? Duration => StartDate is { } s && EndDate is { } e ? e - s : null;
}
