using Gale.Triggers;

namespace Gale.Execution;

/// <summary>
/// Thrown by <see cref="TaskContext.Defer"/> (Airflow's TaskDeferred): the attempt stops here, frees its worker and
/// slots, and the task resumes in <see cref="Method"/> on any worker when <see cref="Trigger"/> fires.
/// </summary>
public sealed class TaskDeferredException : Exception
{
    /// <summary>Creates the signal.</summary>
    public TaskDeferredException(Trigger trigger, string? method, string kwargs, TimeSpan? timeout)
        : base($"deferred on {trigger?.Kind} trigger")
    {
        ArgumentNullException.ThrowIfNull(trigger);
        Trigger = trigger;
        Method = method;
        Kwargs = kwargs;
        Timeout = timeout;
    }

    /// <summary>Creates the signal with no trigger (for serializers and tests only).</summary>
    public TaskDeferredException()
        : this(new DateTimeTrigger { Moment = DateTimeOffset.MinValue }, "execute_complete", "{}", null)
    {
    }

    /// <summary>Creates the signal (for serializers only).</summary>
    public TaskDeferredException(string message)
        : base(message) => Trigger = new DateTimeTrigger { Moment = DateTimeOffset.MinValue };

    /// <summary>Creates the signal (for serializers only).</summary>
    public TaskDeferredException(string message, Exception innerException)
        : base(message, innerException) => Trigger = new DateTimeTrigger { Moment = DateTimeOffset.MinValue };

    /// <summary>What to wait for.</summary>
    public Trigger Trigger { get; }

    /// <summary>Where to resume (null: from the start).</summary>
    public string? Method { get; } = "execute_complete";

    /// <summary>Keyword arguments for the resumed method (JSON object).</summary>
    public string Kwargs { get; } = "{}";

    /// <summary>How long to wait at most.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>What a timeout does (sensors set fail-without-retry or skip).</summary>
    public Gale.Runs.DeferralTimeoutOutcome OnTimeout { get; init; }

    /// <summary>Wait as up_for_reschedule (a sensor in reschedule mode) rather than deferred.</summary>
    public bool Reschedule { get; init; }
}
