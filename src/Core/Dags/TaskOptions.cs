namespace Gale.Dags;

/// <summary>Per-task settings given to the builder (Airflow's operator arguments); null means "use the DAG's default_args".</summary>
public sealed record TaskOptions
{
    /// <summary>Trigger rule.</summary>
    public TriggerRule? TriggerRule { get; init; }

    /// <summary>Assets this task updates: each gets an asset event when the task succeeds (not a default arg).</summary>
    public IReadOnlyList<Gale.Assets.Asset> Outlets { get; init; } = [];

    /// <summary>Assets this task reads (lineage only; not a default arg).</summary>
    public IReadOnlyList<Gale.Assets.Asset> Inlets { get; init; } = [];

    /// <summary>Retries after a failed attempt.</summary>
    public int? Retries { get; init; }

    /// <summary>Wait before a retry.</summary>
    public TimeSpan? RetryDelay { get; init; }

    /// <summary>Double the delay with each retry.</summary>
    public bool? RetryExponentialBackoff { get; init; }

    /// <summary>Cap on the retry delay.</summary>
    public TimeSpan? MaxRetryDelay { get; init; }

    /// <summary>Longest an attempt may run.</summary>
    public TimeSpan? ExecutionTimeout { get; init; }

    /// <summary>Pool name.</summary>
    public string? Pool { get; init; }

    /// <summary>Pool slots per attempt.</summary>
    public int? PoolSlots { get; init; }

    /// <summary>Priority for scarce slots.</summary>
    public int? PriorityWeight { get; init; }

    /// <summary>Depend on the previous run's instance of this task.</summary>
    public bool? DependsOnPast { get; init; }

    /// <summary>Also wait until the previous run's direct downstream instances of this task finished (implies depends_on_past).</summary>
    public bool? WaitForDownstream { get; init; }

    /// <summary>Runs just before each attempt (Airflow's on_execute_callback).</summary>
    public Func<Gale.Execution.TaskContext, Task>? OnExecute { get; init; }

    /// <summary>Runs after an attempt succeeds (on_success_callback).</summary>
    public Func<Gale.Execution.TaskContext, Task>? OnSuccess { get; init; }

    /// <summary>Runs after an attempt fails with no tries left (on_failure_callback).</summary>
    public Func<Gale.Execution.TaskContext, Task>? OnFailure { get; init; }

    /// <summary>Runs after an attempt fails and will be retried (on_retry_callback).</summary>
    public Func<Gale.Execution.TaskContext, Task>? OnRetry { get; init; }

    /// <summary>Mark as a setup task.</summary>
    public bool IsSetup { get; init; }

    /// <summary>Mark as a teardown task.</summary>
    public bool IsTeardown { get; init; }

    /// <summary>Fills unset values from <paramref name="defaults"/> (DAG default_args).</summary>
    public TaskOptions WithDefaults(TaskOptions defaults) => this with
    {
        TriggerRule = TriggerRule ?? defaults.TriggerRule,
        Retries = Retries ?? defaults.Retries,
        RetryDelay = RetryDelay ?? defaults.RetryDelay,
        RetryExponentialBackoff = RetryExponentialBackoff ?? defaults.RetryExponentialBackoff,
        MaxRetryDelay = MaxRetryDelay ?? defaults.MaxRetryDelay,
        ExecutionTimeout = ExecutionTimeout ?? defaults.ExecutionTimeout,
        Pool = Pool ?? defaults.Pool,
        PoolSlots = PoolSlots ?? defaults.PoolSlots,
        PriorityWeight = PriorityWeight ?? defaults.PriorityWeight,
        DependsOnPast = DependsOnPast ?? defaults.DependsOnPast,
        WaitForDownstream = WaitForDownstream ?? defaults.WaitForDownstream,
        OnExecute = OnExecute ?? defaults.OnExecute,
        OnSuccess = OnSuccess ?? defaults.OnSuccess,
        OnFailure = OnFailure ?? defaults.OnFailure,
        OnRetry = OnRetry ?? defaults.OnRetry,
    };
}
