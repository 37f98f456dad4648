namespace Gale.Scheduling;

/// <summary>How the scheduler ticks.</summary>
public sealed record SchedulerOptions
{
    /// <summary>This scheduler's id (lease owner).</summary>
    public string SchedulerId { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Time between ticks in <c>gale serve</c>; <see cref="Timeout.InfiniteTimeSpan"/> when an outside timer (the Functions timer trigger) calls <see cref="Scheduler.TickAsync"/>.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one scheduler keeps a DAG to itself while it creates and starts runs.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most runs one tick creates per DAG (catchup after downtime continues on the next ticks).</summary>
    public int MaxRunsCreatedPerTick { get; init; } = 64;
}
