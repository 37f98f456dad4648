using Gale.Execution;

namespace Gale.Dags;

/// <summary>One task of a DAG: what runs, after what, and under which rules (Airflow's BaseOperator arguments).</summary>
public sealed record DagTask
{
    /// <summary>The task id, unique in its DAG (task-group members are prefixed <c>group.task</c>).</summary>
    public required string TaskId { get; init; }

    /// <summary>What the task runs.</summary>
    public required ITaskOperator Operator { get; init; }

    /// <summary>Direct upstream task ids.</summary>
    public IReadOnlyList<string> Upstream { get; init; } = [];

    /// <summary>When the task may run given its upstream states.</summary>
    public TriggerRule TriggerRule { get; init; } = TriggerRule.AllSuccess;

    /// <summary>How many times a failed attempt is retried (Airflow's <c>retries</c>).</summary>
    public int Retries { get; init; }

    /// <summary>Wait before a retry (Airflow's default: 5 minutes).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Double the delay with each retry.</summary>
    public bool RetryExponentialBackoff { get; init; }

    /// <summary>Cap on the (exponential) retry delay.</summary>
    public TimeSpan? MaxRetryDelay { get; init; }

    /// <summary>Longest an attempt may run before it is cancelled and failed.</summary>
    public TimeSpan? ExecutionTimeout { get; init; }

    /// <summary>Pool whose slots the task takes.</summary>
    public string Pool { get; init; } = "default_pool";

    /// <summary>How many pool slots an attempt takes.</summary>
    public int PoolSlots { get; init; } = 1;

    /// <summary>Who gets a scarce slot first (higher first).</summary>
    public int PriorityWeight { get; init; } = 1;

    /// <summary>Run only if the same task succeeded (or was skipped) in the previous run.</summary>
    public bool DependsOnPast { get; init; }

    /// <summary>Also wait until the previous run's direct downstream instances of this task succeeded or were skipped.</summary>
    public bool WaitForDownstream { get; init; }

    /// <summary>A setup task (creates resources teardowns clean up).</summary>
    public bool IsSetup { get; init; }

    /// <summary>A teardown task: runs when its setups succeeded, whatever the work tasks did, and does not decide the run's state.</summary>
    public bool IsTeardown { get; init; }

    /// <summary>Callbacks (on_execute, on_success, on_failure, on_retry); a failing callback is logged and never changes the task's state.</summary>
    public TaskCallbacks Callbacks { get; init; } = new();

    /// <summary>Dynamic task mapping, or null for an ordinary task.</summary>
    public MapSpec? Mapping { get; init; }

    /// <summary>Assets the task updates: an asset event each when it succeeds.</summary>
    public IReadOnlyList<Gale.Assets.Asset> Outlets { get; init; } = [];

    /// <summary>Assets the task reads (lineage).</summary>
    public IReadOnlyList<Gale.Assets.Asset> Inlets { get; init; } = [];

    /// <summary>Airflow's <c>max_tries</c>: the number of retries.</summary>
    public int MaxTries => Retries;
}

/// <summary>A task's callbacks (Airflow's on_*_callback arguments).</summary>
public sealed record TaskCallbacks
{
    /// <summary>Before each attempt.</summary>
    public Func<Gale.Execution.TaskContext, Task>? OnExecute { get; init; }

    /// <summary>After a successful attempt.</summary>
    public Func<Gale.Execution.TaskContext, Task>? OnSuccess { get; init; }

    /// <summary>After a failed attempt with no tries left.</summary>
    public Func<Gale.Execution.TaskContext, Task>? OnFailure { get; init; }

    /// <summary>After a failed attempt that will be retried.</summary>
    public Func<Gale.Execution.TaskContext, Task>? OnRetry { get; init; }
}
