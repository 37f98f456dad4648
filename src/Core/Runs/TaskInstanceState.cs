namespace Gale.Runs;

/// <summary>A task instance's state, with Airflow's names (see <see cref="States"/> for the wire names).</summary>
public enum TaskInstanceState
{
    /// <summary>Not yet considered by the scheduler (Airflow's <c>None</c>).</summary>
    None,

    /// <summary>Dependencies are met; the task will be queued.</summary>
    Scheduled,

    /// <summary>An attempt is on the task queue, waiting for a worker.</summary>
    Queued,

    /// <summary>A worker runs the attempt.</summary>
    Running,

    /// <summary>Finished successfully.</summary>
    Success,

    /// <summary>Finished with an error and no tries left.</summary>
    Failed,

    /// <summary>Skipped (by a branch, a short-circuit, an empty mapping or its trigger rule).</summary>
    Skipped,

    /// <summary>Will not run because an upstream task failed.</summary>
    UpstreamFailed,

    /// <summary>Failed with tries left; waits for its retry delay.</summary>
    UpForRetry,

    /// <summary>A sensor in reschedule mode waiting for its next poke.</summary>
    UpForReschedule,

    /// <summary>Waiting on a trigger (timer, event, poll) without holding a worker.</summary>
    Deferred,

    /// <summary>The task no longer exists in the DAG.</summary>
    Removed,

    /// <summary>Cleared while running; will run again.</summary>
    Restarting,
}

/// <summary>A DAG run's state, with Airflow's names.</summary>
public enum DagRunState
{
    /// <summary>Created, waiting for a slot under max_active_runs.</summary>
    Queued,

    /// <summary>Tasks are being scheduled and run.</summary>
    Running,

    /// <summary>Every leaf succeeded or was skipped.</summary>
    Success,

    /// <summary>A leaf failed, the run deadlocked, or it timed out.</summary>
    Failed,
}
