namespace Gale.Runs;

/// <summary>How a run came to exist (Airflow's run_type); it prefixes the run id.</summary>
public enum DagRunType
{
    /// <summary>Triggered by a person or the API: <c>manual__…</c>.</summary>
    Manual,

    /// <summary>Created by the scheduler from the timetable: <c>scheduled__…</c>.</summary>
    Scheduled,

    /// <summary>Created by a backfill: <c>backfill__…</c>.</summary>
    Backfill,

    /// <summary>Created because its asset schedule was satisfied: <c>asset_triggered__…</c>.</summary>
    AssetTriggered,
}

/// <summary>A DAG run's own fields (its task instances live in the <see cref="RunSnapshot"/>).</summary>
public sealed record DagRun
{
    /// <summary>The DAG's id.</summary>
    public required string DagId { get; init; }

    /// <summary>The run's id.</summary>
    public required string RunId { get; init; }

    /// <summary>How the run came to exist.</summary>
    public DagRunType RunType { get; init; } = DagRunType.Manual;

    /// <summary>The run's state.</summary>
    public DagRunState State { get; init; } = DagRunState.Queued;

    /// <summary>The logical date (Airflow's execution date).</summary>
    public DateTimeOffset LogicalDate { get; init; }

    /// <summary>Start of the data interval.</summary>
    public DateTimeOffset DataIntervalStart { get; init; }

    /// <summary>End of the data interval.</summary>
    public DateTimeOffset DataIntervalEnd { get; init; }

    /// <summary>When the run was created.</summary>
    public DateTimeOffset QueuedAt { get; init; }

    /// <summary>When the run started running.</summary>
    public DateTimeOffset? StartDate { get; init; }

    /// <summary>When the run finished.</summary>
    public DateTimeOffset? EndDate { get; init; }

    /// <summary>The run's conf as a JSON object text.</summary>
    public string Conf { get; init; } = "{}";

    /// <summary>The key of this run.</summary>
    public RunKey Key => new(DagId, RunId);

    /// <summary>Airflow-style run id: <c>{type}__{logical date ISO 8601}</c>.</summary>
    public static string CreateRunId(DagRunType type, DateTimeOffset logicalDate)
    {
        var prefix = type switch
        {
            DagRunType.Manual => "manual",
            DagRunType.Scheduled => "scheduled",
            DagRunType.Backfill => "backfill",
            DagRunType.AssetTriggered => "asset_triggered",
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
        };
        return $"{prefix}__{logicalDate.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", System.Globalization.CultureInfo.InvariantCulture)}";
    }
}
