namespace Gale.Orchestration;

/// <summary>How a host runs a DAG run's tries (<see cref="DagRunTasks"/>).</summary>
public sealed record DagRunTaskOptions
{
    /// <summary>The worker id tries record (default: the orchestrator's).</summary>
    public string WorkerId { get; init; } = Runs.DagRunOrchestrator.WorkerId;

    /// <summary>
    /// Take pool and DAG slots before a try runs, and stop a try whose instance a person changed (default true: a
    /// shared task hub). <c>gale dags test</c> runs one run alone and turns both off.
    /// </summary>
    public bool EnforceLimitsAndWatchTries { get; init; } = true;

    /// <summary>How often a running try checks whether its instance was changed (default: <see cref="Activities.TryWatch"/>'s).</summary>
    public TimeSpan? TryCheckInterval { get; init; }

    /// <summary>Start runs that trigger_dagrun creates at once instead of leaving them to the scheduler (in-process tests).</summary>
    public bool StartTriggeredRunsImmediately { get; init; }

    /// <summary>The decision memo orchestrators share (default: the process-wide one).</summary>
    public Runs.DecisionMemo? Memo { get; init; }

    /// <summary>
    /// Tries one history holds (default <see cref="Runs.DagRunOrchestrator.DefaultTriesPerHistory"/>): past them a
    /// run starts no new try until its running ones return, then goes on in a fresh history of its instance
    /// (ContinueAsNew), so that a 10,000-task run does not replay one ever-longer history on every episode.
    /// </summary>
    public int TriesPerHistory { get; init; } = Runs.DagRunOrchestrator.DefaultTriesPerHistory;
}
