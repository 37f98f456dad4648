namespace Gale.Dags;

/// <summary>DAG-level settings with Airflow's names and defaults.</summary>
public sealed record DagSettings
{
    /// <summary>The DAG's id.</summary>
    public required string DagId { get; init; }

    /// <summary>One-line description.</summary>
    public string? Description { get; init; }

    /// <summary>Tags for filtering.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Markdown documentation shown in the UI.</summary>
    public string? DocMd { get; init; }

    /// <summary>Schedule expression: null (manual only), a cron expression, a preset such as <c>@daily</c>, or a duration.</summary>
    public string? Schedule { get; init; }

    /// <summary>IANA time zone the schedule is evaluated in (and YAML dates without an offset are read in); UTC when null.</summary>
    public string? Timezone { get; init; }

    /// <summary>A custom timetable; overrides <see cref="Schedule"/>.</summary>
    public Gale.Timetables.ITimetable? Timetable { get; init; }

    /// <summary>New DAGs start paused (Airflow's <c>is_paused_upon_creation</c>; default: unpaused).</summary>
    public bool IsPausedUponCreation { get; init; }

    /// <summary>First logical date the scheduler considers.</summary>
    public DateTimeOffset? StartDate { get; init; }

    /// <summary>Last logical date the scheduler considers.</summary>
    public DateTimeOffset? EndDate { get; init; }

    /// <summary>
    /// Run when these assets are updated (Airflow's asset schedule): a run is created when the expression is satisfied by
    /// asset events since the DAG's last asset-triggered run. With a timetable too, either one creates runs (Airflow's
    /// AssetOrTimeSchedule).
    /// </summary>
    public Gale.Assets.AssetExpression? AssetSchedule { get; init; }

    /// <summary>Most asset events one asset-triggered run consumes; the rest trigger the next run.</summary>
    public int MaxAssetEventsPerRun { get; init; } = Gale.Assets.AssetTriggerPlanner.DefaultMaxEventsPerRun;

    /// <summary>Asset watchers declared with this DAG: they turn outside changes into asset events.</summary>
    public IReadOnlyList<Gale.Assets.Watchers.AssetWatcher> Watchers { get; init; } = [];

    /// <summary>Create runs for missed intervals.</summary>
    public bool Catchup { get; init; }

    /// <summary>Most runs of this DAG running at once.</summary>
    public int MaxActiveRuns { get; init; } = 16;

    /// <summary>Most task instances of this DAG running at once, across its runs.</summary>
    public int MaxActiveTasks { get; init; } = 16;

    /// <summary>Fail a run that runs longer than this.</summary>
    public TimeSpan? DagrunTimeout { get; init; }

    /// <summary>Typed params with defaults; a run's conf overrides them and is validated against them.</summary>
    public IReadOnlyDictionary<string, DagParam> Params { get; init; } = new Dictionary<string, DagParam>();

    /// <summary>
    /// Runs when a run of this DAG succeeds (Airflow's DAG on_success_callback), with a context of the run whose task
    /// id is <c>on_success_callback</c>; its output goes to the host's log, and a failure is logged only.
    /// </summary>
    public Func<Gale.Execution.TaskContext, Task>? OnSuccessCallback { get; init; }

    /// <summary>Runs when a run of this DAG fails (on_failure_callback); like <see cref="OnSuccessCallback"/>, with the task id <c>on_failure_callback</c>.</summary>
    public Func<Gale.Execution.TaskContext, Task>? OnFailureCallback { get; init; }

    /// <summary>Named delete callbacks tasks can register on a run for its cleanup task (<see cref="Gale.Cleanup.CleanupKind.Callback"/>).</summary>
    public IReadOnlyDictionary<string, Func<Gale.Execution.TaskContext, string?, Task>> CleanupCallbacks { get; init; } = new Dictionary<string, Func<Gale.Execution.TaskContext, string?, Task>>();

    /// <summary>Where the DAG was defined (file path or type name), for errors and the UI.</summary>
    public string? Fileloc { get; init; }

    /// <summary>
    /// The YAML text the DAG was loaded from (null for a DAG written in C#). A run pins it when it is created, so that
    /// a file changed while the run goes on does not change what the run decides.
    /// </summary>
    public string? YamlSource { get; init; }
}
