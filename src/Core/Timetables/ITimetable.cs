namespace Gale.Timetables;

/// <summary>
/// Decides when a DAG's runs exist (Airflow's Timetable). Implementations are pure: every instant they need,
/// including "now", is passed in, so they can be tested on grids of instants and time zones. Implement this
/// interface for a custom schedule (e.g. business days only) and set it as <c>DagSettings.Timetable</c>.
/// </summary>
public interface ITimetable
{
    /// <summary>How the schedule reads in lists (<c>0 6 * * 1-5</c>, <c>@daily</c>, <c>1:00:00</c>).</summary>
    string Summary { get; }

    /// <summary>True when the scheduler creates runs by itself (false for manual-only DAGs).</summary>
    bool CanBeScheduled { get; }

    /// <summary>
    /// The next run after <paramref name="lastAutomatedDataInterval"/> (null: no scheduled run yet), or null when
    /// the schedule has no more runs within <paramref name="restriction"/>. <paramref name="now"/> matters only
    /// when catchup is off (the proposal skips to the latest complete interval).
    /// </summary>
    DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now);

    /// <summary>The data interval of a manual run triggered at <paramref name="runAfter"/>.</summary>
    DataInterval InferManualDataInterval(DateTimeOffset runAfter);
}
