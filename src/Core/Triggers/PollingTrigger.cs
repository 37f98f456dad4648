namespace Gale.Triggers;

/// <summary>
/// A trigger that fires when a condition holds, checked every <see cref="PokeInterval"/> (doubling with
/// <see cref="ExponentialBackoff"/>, up to <see cref="MaxPokeInterval"/>) by short checks between durable timers.
/// The first check runs as soon as the task defers. Subclass it and implement <see cref="PollAsync"/>.
/// </summary>
public abstract class PollingTrigger : Trigger
{
    /// <summary>Time between checks (Airflow's poke_interval; default 60 s).</summary>
    public TimeSpan PokeInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Double the interval after every check that found nothing.</summary>
    public bool ExponentialBackoff { get; init; }

    /// <summary>The longest interval backoff grows to (default 1 hour).</summary>
    public TimeSpan MaxPokeInterval { get; init; } = TimeSpan.FromHours(1);

    /// <inheritdoc />
    public override DateTimeOffset? FirstCheckAt(DateTimeOffset now) => now;

    /// <summary>One poke: whether the condition holds, and the event the task resumes with when it does.</summary>
    public abstract ValueTask<(bool Done, object? Event)> PollAsync(TriggerContext context);

    /// <inheritdoc />
    public sealed override async ValueTask<TriggerCheck> CheckAsync(TriggerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (done, payload) = await PollAsync(context);
        return done ? TriggerCheck.Fire(payload) : TriggerCheck.Later(context.Now + IntervalAfter(context.Checks));
    }

    /// <summary>The wait after <paramref name="checks"/> checks that found nothing.</summary>
    public TimeSpan IntervalAfter(int checks)
    {
        if (!ExponentialBackoff)
        {
            return PokeInterval;
        }

        var factor = Math.Pow(2, Math.Min(checks, 30));
        return TimeSpan.FromTicks((long)Math.Min(PokeInterval.Ticks * factor, MaxPokeInterval.Ticks));
    }
}
