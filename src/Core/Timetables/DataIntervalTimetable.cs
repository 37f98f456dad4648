namespace Gale.Timetables;

/// <summary>
/// A timetable whose runs cover back-to-back intervals (Airflow's <c>_DataIntervalTimetable</c>): a run's logical
/// date is the start of its interval and it starts once the interval has ended. Subclasses say how to step from
/// one boundary to the next and the previous one; the catchup and start/end-date rules live here.
/// </summary>
public abstract class DataIntervalTimetable : ITimetable
{
    /// <inheritdoc />
    public abstract string Summary { get; }

    /// <inheritdoc />
    public bool CanBeScheduled => true;

    /// <summary>The first boundary strictly after <paramref name="current"/>.</summary>
    protected internal abstract DateTimeOffset Next(DateTimeOffset current);

    /// <summary>The last boundary strictly before <paramref name="current"/>.</summary>
    protected internal abstract DateTimeOffset Previous(DateTimeOffset current);

    /// <summary><paramref name="current"/> when it is a boundary, else the next boundary.</summary>
    protected internal virtual DateTimeOffset AlignToNext(DateTimeOffset current) => IsBoundary(current) ? current : Next(current);

    /// <summary><paramref name="current"/> when it is a boundary, else the previous boundary.</summary>
    protected internal virtual DateTimeOffset AlignToPrevious(DateTimeOffset current) => IsBoundary(current) ? current : Previous(current);

    /// <summary>True when <paramref name="current"/> is one of the schedule's boundaries.</summary>
    protected bool IsBoundary(DateTimeOffset current) => Next(Previous(current)) == current;

    /// <summary>Without catchup: the start of the latest interval that has completely passed at <paramref name="now"/>.</summary>
    protected virtual DateTimeOffset SkipToLatest(DateTimeOffset? earliest, DateTimeOffset now)
    {
        var lastStart = Previous(now);
        var nextStart = Next(lastStart);
        var start = nextStart == now ? lastStart : Previous(lastStart);
        return earliest is { } e && AlignToNext(e) > start ? AlignToNext(e) : start;
    }

    /// <inheritdoc />
    public DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(restriction);
        var earliest = restriction.Earliest;
        if (!restriction.Catchup)
        {
            earliest = SkipToLatest(earliest, now);
        }
        else if (earliest is { } e)
        {
            earliest = AlignToNext(e);
        }

        DateTimeOffset start;
        if (lastAutomatedDataInterval is null)
        {
            if (earliest is null)
            {
                return null; // no start_date and catchup: nothing to start from
            }

            start = earliest.Value;
        }
        else
        {
            // Aligning matters when the schedule changed since the last run.
            var alignedEnd = AlignToPrevious(lastAutomatedDataInterval.End);
            start = earliest is { } bound && bound > alignedEnd ? bound : alignedEnd;
        }

        if (restriction.Latest is { } latest && start > latest)
        {
            return null;
        }

        return DagRunInfo.Interval(start, Next(start));
    }

    /// <inheritdoc />
    public DataInterval InferManualDataInterval(DateTimeOffset runAfter)
    {
        // The last complete interval before the trigger: a @daily run triggered at 01:00 on the 25th covers the 24th.
        var end = AlignToPrevious(runAfter);
        return new DataInterval(Previous(end), end);
    }
}
