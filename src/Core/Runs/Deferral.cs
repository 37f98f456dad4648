namespace Gale.Runs;

/// <summary>What happens to a deferred task whose trigger did not fire in time.</summary>
public enum DeferralTimeoutOutcome
{
    /// <summary>The try fails (and is retried when it has retries left), as Airflow's TaskDeferralTimeout.</summary>
    Fail,

    /// <summary>The task fails without retries (a sensor's timeout).</summary>
    FailWithoutRetry,

    /// <summary>The task is skipped (a sensor with soft_fail).</summary>
    Skip,
}

/// <summary>
/// A deferred task instance's wait: its serialized trigger, the method to resume in and its keyword arguments, and
/// when it times out. Stored with the task instance, so a wait survives every restart.
/// </summary>
public sealed record Deferral
{
    /// <summary>The trigger, serialized (<c>{"kind": …, "args": {…}}</c>).</summary>
    public required string Trigger { get; init; }

    /// <summary>The method the task resumes in (Airflow's method_name); null: the task runs again from the start (reschedule).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] // null means something: never drop it
    public string? Method { get; init; } = "execute_complete";

    /// <summary>Keyword arguments for the resumed method, as a JSON object.</summary>
    public string Kwargs { get; init; } = "{}";

    /// <summary>When the wait times out; null: never.</summary>
    public DateTimeOffset? TimeoutAt { get; init; }

    /// <summary>What a timeout does.</summary>
    public DeferralTimeoutOutcome OnTimeout { get; init; }

    /// <summary>For an external-event trigger: the event's name, lower case (names are case-insensitive).</summary>
    public string? EventName { get; init; }

    /// <summary>When the trigger is next checked (a timer's moment, or a polling trigger's next poke); null: not polled.</summary>
    public DateTimeOffset? NextCheckAt { get; init; }

    /// <summary>How many checks found the trigger not yet fired (for exponential backoff).</summary>
    public int Checks { get; init; }

    /// <summary>The event the trigger fired with (JSON), set when it fired; the resumed try receives it.</summary>
    public string? Event { get; init; }

    /// <summary>For a wait on other tasks of the run (the cleanup task): their ids; it fires when every instance of them has finished, whatever the outcome.</summary>
    public IReadOnlyList<string>? WaitForTasks { get; init; }

    /// <summary>The state the instance waits in: deferred, or up_for_reschedule for a sensor in reschedule mode.</summary>
    public bool Reschedule { get; init; }
}

/// <summary>An external event kept for a run because no task was waiting for it yet (delivered to the first that waits).</summary>
/// <param name="Name">The name, lower case.</param>
/// <param name="Data">Its payload (JSON).</param>
/// <param name="At">When it arrived.</param>
public sealed record PendingEvent(string Name, string Data, DateTimeOffset At);
