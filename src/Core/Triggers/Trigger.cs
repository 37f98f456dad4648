using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gale.Triggers;

/// <summary>
/// What a deferred task waits for (Airflow's BaseTrigger). A trigger is data: its public properties are serialized
/// with the task instance, so a wait survives restarts, and it is checked by whichever host's engine gets the check's
/// durable timer, never holding a worker. Subclass it for your own triggers: give it public init properties for its
/// arguments, override <see cref="FirstCheckAt"/> and <see cref="CheckAsync"/>, and keep checks short.
/// </summary>
public abstract class Trigger
{
    /// <summary>The name the trigger is stored under: a built-in's name, or the full type name of a custom trigger.</summary>
    [JsonIgnore]
    public virtual string Kind => GetType().FullName!;

    /// <summary>For a trigger fired by an external event: the event's name; null otherwise.</summary>
    [JsonIgnore]
    public virtual string? EventName => null;

    /// <summary>For a trigger that fires when other tasks of the run have finished: their ids; null otherwise.</summary>
    [JsonIgnore]
    public virtual IReadOnlyList<string>? WaitsForTasks => null;

    /// <summary>When to check first after the task defers at <paramref name="now"/>; null: never (an external event fires it).</summary>
    public abstract DateTimeOffset? FirstCheckAt(DateTimeOffset now);

    /// <summary>One check: fired (with its event), or not yet (and when to check again).</summary>
    public abstract ValueTask<TriggerCheck> CheckAsync(TriggerContext context);

    /// <summary>The trigger as it is stored when the task defers at <paramref name="now"/> (a relative trigger becomes absolute).</summary>
    public virtual Trigger Anchored(DateTimeOffset now) => this;
}

/// <summary>The result of one trigger check.</summary>
/// <param name="Fired">True when the trigger fired.</param>
/// <param name="Event">The event the task resumes with (JSON), when fired.</param>
/// <param name="NextCheckAt">When to check again, when not fired; null: not again.</param>
public readonly record struct TriggerCheck(bool Fired, string Event, DateTimeOffset? NextCheckAt)
{
    /// <summary>The trigger fired with <paramref name="payload"/>.</summary>
    public static TriggerCheck Fire(object? payload) => new(true, JsonSerializer.Serialize(payload, Gale.Execution.XComJson.Options), null);

    /// <summary>Not yet; check again at <paramref name="at"/>.</summary>
    public static TriggerCheck Later(DateTimeOffset at) => new(false, "null", at);
}
