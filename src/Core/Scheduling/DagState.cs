using Gale.Timetables;

namespace Gale.Scheduling;

/// <summary>
/// What the scheduler keeps per DAG (Airflow's <c>dag</c> table row): paused or not, the data interval of the last
/// scheduled run, the next run it would create, and a short lease that lets one scheduler at a time act on the DAG.
/// </summary>
public sealed record DagState
{
    /// <summary>The DAG.</summary>
    public required string DagId { get; init; }

    /// <summary>Paused DAGs get no scheduled runs and their queued runs do not start.</summary>
    public bool IsPaused { get; init; }

    /// <summary>The data interval of the latest scheduled (not manual) run; null before the first.</summary>
    public DataInterval? LastAutomatedDataInterval { get; init; }

    /// <summary>The next run the scheduler will create, for people (null: none).</summary>
    public DagRunInfo? NextRun { get; init; }

    /// <summary>The scheduler holding the lease.</summary>
    public string? LeaseOwner { get; init; }

    /// <summary>Until when <see cref="LeaseOwner"/> may act on this DAG without others.</summary>
    public DateTimeOffset? LeaseUntil { get; init; }

    /// <summary>Opaque concurrency token (the entity's ETag); null for a state never stored.</summary>
    public string? Version { get; init; }
}
