using Gale.Execution;

namespace Gale.Dags;

/// <summary>Fluent C# builder for a <see cref="Dag"/>: <c>Dag.Create("etl", "@daily").Task("extract", ctx => …).Build()</c>.</summary>
public sealed class DagBuilder
{
    private readonly List<DagTask> _tasks = [];
    private DagSettings _settings;
    private TaskOptions _defaults = new();

    /// <summary>Starts a builder with the given settings (<see cref="Dag.Create"/> is the usual entry point).</summary>
    public DagBuilder(DagSettings settings) => _settings = settings ?? throw new ArgumentNullException(nameof(settings));

    /// <summary>Changes DAG settings: <c>.With(s => s with { Catchup = true, MaxActiveRuns = 1 })</c>.</summary>
    public DagBuilder With(Func<DagSettings, DagSettings> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _settings = change(_settings);
        return this;
    }

    /// <summary>Sets default_args applied to every task added afterwards.</summary>
    public DagBuilder DefaultArgs(TaskOptions defaults)
    {
        _defaults = defaults ?? throw new ArgumentNullException(nameof(defaults));
        return this;
    }

    /// <summary>Adds a task that runs an operator.</summary>
    public DagBuilder Task(string taskId, ITaskOperator op, TaskIds after = default, TaskOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(op);
        var o = (options ?? new TaskOptions()).WithDefaults(_defaults);
        _tasks.Add(new DagTask
        {
            TaskId = taskId,
            Operator = op,
            Upstream = after.Ids.ToArray(),
            TriggerRule = o.TriggerRule ?? (o.IsTeardown ? TriggerRule.AllDoneSetupSuccess : TriggerRule.AllSuccess),
            Retries = o.Retries ?? 0,
            RetryDelay = o.RetryDelay ?? TimeSpan.FromMinutes(5),
            RetryExponentialBackoff = o.RetryExponentialBackoff ?? false,
            MaxRetryDelay = o.MaxRetryDelay,
            ExecutionTimeout = o.ExecutionTimeout,
            Pool = o.Pool ?? "default_pool",
            PoolSlots = o.PoolSlots ?? 1,
            PriorityWeight = o.PriorityWeight ?? 1,
            DependsOnPast = o.DependsOnPast ?? false,
            IsSetup = o.IsSetup,
            IsTeardown = o.IsTeardown,
        });
        return this;
    }

    /// <summary>Adds a TaskFlow-style task whose result becomes its <c>return_value</c> XCom.</summary>
    public DagBuilder Task<TResult>(string taskId, Func<TaskContext, Task<TResult>> run, TaskIds after = default, TaskOptions? options = null) =>
        Task(taskId, new DelegateOperator(async ctx => await run(ctx)), after, options);

    /// <summary>Adds an asynchronous task with no result.</summary>
    public DagBuilder Task(string taskId, Func<TaskContext, Task> run, TaskIds after = default, TaskOptions? options = null) =>
        Task(taskId, new DelegateOperator(async ctx =>
        {
            await run(ctx);
            return null;
        }), after, options);

    /// <summary>Adds a synchronous task whose result becomes its <c>return_value</c> XCom.</summary>
    public DagBuilder Task<TResult>(string taskId, Func<TaskContext, TResult> run, TaskIds after = default, TaskOptions? options = null) =>
        Task(taskId, new DelegateOperator(ctx => ValueTask.FromResult<object?>(run(ctx))), after, options);

    /// <summary>Adds a synchronous task with no result.</summary>
    public DagBuilder Task(string taskId, Action<TaskContext> run, TaskIds after = default, TaskOptions? options = null) =>
        Task(taskId, new DelegateOperator(ctx =>
        {
            run(ctx);
            return ValueTask.FromResult<object?>(null);
        }), after, options);

    /// <summary>Adds a branch: <paramref name="choose"/> returns the direct downstream task ids to run; the others are skipped.</summary>
    public DagBuilder Branch(string taskId, Func<TaskContext, TaskIds> choose, TaskIds after = default, TaskOptions? options = null) =>
        Task(taskId, new Gale.Operators.BranchOperator(ctx => ValueTask.FromResult(choose(ctx).Ids)), after, options);

    /// <summary>Adds a short-circuit: when <paramref name="condition"/> is false, everything downstream (except teardowns) is skipped.</summary>
    public DagBuilder ShortCircuit(string taskId, Func<TaskContext, bool> condition, TaskIds after = default, TaskOptions? options = null) =>
        Task(taskId, new Gale.Operators.ShortCircuitOperator(ctx => ValueTask.FromResult(condition(ctx))), after, options);

    /// <summary>Validates and builds the DAG.</summary>
    /// <exception cref="DagValidationException">The DAG is invalid.</exception>
    public Dag Build() => new(_settings, _tasks);
}
