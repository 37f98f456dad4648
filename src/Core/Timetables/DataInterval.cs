namespace Gale.Timetables;

/// <summary>The span of data a run covers: [<see cref="Start"/>, <see cref="End"/>).</summary>
/// <param name="Start">Inclusive start; also the run's logical date.</param>
/// <param name="End">Exclusive end.</param>
public sealed record DataInterval(DateTimeOffset Start, DateTimeOffset End);

/// <summary>A run the scheduler should create: its data interval and the earliest instant it may start.</summary>
/// <param name="DataInterval">The interval it covers.</param>
/// <param name="RunAfter">When it may be created and start (the interval's end for interval timetables).</param>
public sealed record DagRunInfo(DataInterval DataInterval, DateTimeOffset RunAfter)
{
    /// <summary>The run's logical date: the start of its data interval (Airflow 2).</summary>
    public DateTimeOffset LogicalDate => DataInterval.Start;

    /// <summary>The run of <paramref name="dagId"/> this info describes, queued at <paramref name="queuedAt"/>, with an Airflow run id for <paramref name="type"/>.</summary>
    public Gale.Runs.DagRun ToDagRun(string dagId, Gale.Runs.DagRunType type, DateTimeOffset queuedAt) => new()
    {
        DagId = dagId,
        RunId = Gale.Runs.DagRun.CreateRunId(type, LogicalDate),
        RunType = type,
        LogicalDate = LogicalDate,
        DataIntervalStart = DataInterval.Start,
        DataIntervalEnd = DataInterval.End,
        QueuedAt = queuedAt,
    };

    /// <summary>A run covering [start, end) that may start at its end.</summary>
    public static DagRunInfo Interval(DateTimeOffset start, DateTimeOffset end) => new(new DataInterval(start, end), end);

    /// <summary>A run at one instant (data interval of zero length) that may start then.</summary>
    public static DagRunInfo Exact(DateTimeOffset at) => new(new DataInterval(at, at), at);
}

/// <summary>What bounds the runs a timetable may propose: the DAG's start_date, end_date and catchup.</summary>
/// <param name="Earliest">No data interval starts before this (start_date); null: unbounded.</param>
/// <param name="Latest">No data interval starts after this (end_date); null: unbounded.</param>
/// <param name="Catchup">Create runs for every missed interval (true) or only the latest (false).</param>
public sealed record TimeRestriction(DateTimeOffset? Earliest, DateTimeOffset? Latest, bool Catchup);
