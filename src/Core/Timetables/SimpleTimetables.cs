namespace Gale.Timetables;

/// <summary><c>schedule: null</c>: runs only when triggered.</summary>
public sealed class NullTimetable : ITimetable
{
    /// <inheritdoc />
    public string Summary => "None";

    /// <inheritdoc />
    public bool CanBeScheduled => false;

    /// <inheritdoc />
    public DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now) => null;

    /// <inheritdoc />
    public DataInterval InferManualDataInterval(DateTimeOffset runAfter) => new(runAfter, runAfter);
}

/// <summary><c>@once</c>: one run at the start_date, then none.</summary>
public sealed class OnceTimetable : ITimetable
{
    /// <inheritdoc />
    public string Summary => "@once";

    /// <inheritdoc />
    public bool CanBeScheduled => true;

    /// <inheritdoc />
    public DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(restriction);
        if (lastAutomatedDataInterval is not null || restriction.Earliest is not { } start)
        {
            return null; // already ran, or no start_date to run at
        }

        return restriction.Latest is { } latest && start > latest ? null : DagRunInfo.Exact(start);
    }

    /// <inheritdoc />
    public DataInterval InferManualDataInterval(DateTimeOffset runAfter) => new(runAfter, runAfter);
}

/// <summary><c>@continuous</c>: a new run as soon as the previous one finishes (needs max_active_runs 1).</summary>
public sealed class ContinuousTimetable : ITimetable
{
    /// <inheritdoc />
    public string Summary => "@continuous";

    /// <inheritdoc />
    public bool CanBeScheduled => true;

    /// <inheritdoc />
    public DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(restriction);
        if (restriction.Latest is { } latest && now > latest)
        {
            return null;
        }

        var start = lastAutomatedDataInterval?.End ?? restriction.Earliest ?? now;
        var at = restriction.Earliest is { } earliest && now < earliest ? earliest : now;
        return new DagRunInfo(new DataInterval(start < at ? start : at, at), at);
    }

    /// <inheritdoc />
    public DataInterval InferManualDataInterval(DateTimeOffset runAfter) => new(runAfter, runAfter);
}

/// <summary>An explicit list of instants (Airflow's EventsTimetable): one run at each, data interval of zero length.</summary>
public sealed class EventsTimetable : ITimetable
{
    private readonly DateTimeOffset[] _events;

    /// <summary>A timetable of <paramref name="events"/> (any order; duplicates collapse).</summary>
    public EventsTimetable(IEnumerable<DateTimeOffset> events, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        _events = [.. events.Select(e => e.ToUniversalTime()).Distinct().Order()];
        Summary = description ?? $"{_events.Length} events";
    }

    /// <summary>The instants, ascending (UTC).</summary>
    public IReadOnlyList<DateTimeOffset> Events => _events;

    /// <inheritdoc />
    public string Summary { get; }

    /// <inheritdoc />
    public bool CanBeScheduled => true;

    /// <inheritdoc />
    public DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(restriction);
        var candidates = _events
            .Where(e => lastAutomatedDataInterval is null || e > lastAutomatedDataInterval.End)
            .Where(e => restriction.Earliest is null || e >= restriction.Earliest)
            .ToList();
        if (!restriction.Catchup)
        {
            // Without catchup only the latest past event (if any) and the future ones remain.
            var past = candidates.Where(e => e <= now).ToList();
            if (past.Count > 1)
            {
                candidates = [past[^1], .. candidates.Where(e => e > now)];
            }
        }

        if (candidates.Count == 0 || (restriction.Latest is { } latest && candidates[0] > latest))
        {
            return null;
        }

        return DagRunInfo.Exact(candidates[0]);
    }

    /// <inheritdoc />
    public DataInterval InferManualDataInterval(DateTimeOffset runAfter) => new(runAfter, runAfter);
}
