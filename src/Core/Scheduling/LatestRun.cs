using Gale.Runs;
using Gale.Timetables;

namespace Gale.Scheduling;

/// <summary>
/// Whether a run is the latest of its schedule (Airflow's LatestOnlyOperator rule): a manual run always is; a
/// scheduled or backfill run is when "now" falls in the data interval of the run that follows it, unrestricted by
/// start_date, end_date or catchup.
/// </summary>
public static class LatestRun
{
    /// <summary>The decision and why, for the task log.</summary>
    /// <param name="IsLatest">True when downstream work should run.</param>
    /// <param name="Reason">A sentence for the log.</param>
    public readonly record struct Verdict(bool IsLatest, string Reason);

    private static readonly TimeRestriction Unrestricted = new(null, null, Catchup: true);

    /// <summary>Decides for a run of <paramref name="type"/> covering <paramref name="interval"/> at <paramref name="now"/>.</summary>
    public static Verdict Decide(ITimetable? timetable, DagRunType type, DataInterval interval, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(interval);
        if (type == DagRunType.Manual)
        {
            return new(true, "Manually triggered run: allowing execution to proceed.");
        }

        var next = timetable?.NextDagRunInfo(interval, Unrestricted, now);
        if (next is null)
        {
            return new(true, "Last scheduled run: allowing execution to proceed.");
        }

        var (left, right) = (next.DataInterval.Start, next.DataInterval.End);
        return left < now && now <= right
            ? new(true, $"Latest run: now {now:O} is within ({left:O}, {right:O}]; allowing execution to proceed.")
            : new(false, $"Not the latest run: now {now:O} is outside ({left:O}, {right:O}]; skipping downstream tasks.");
    }
}
