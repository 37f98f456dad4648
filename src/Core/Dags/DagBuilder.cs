using Gale.Execution;

namespace Gale.Dags;

/// <summary>Fluent C# builder for a <see cref="Dag"/>: <c>Dag.Create("etl", "@daily").Task("extract", ctx => …).Build()</c>.</summary>
public sealed class DagBuilder
{
    private readonly List<DagTask> _tasks;
    private readonly List<TaskGroupInfo> _groups;
    private readonly List<(string From, string To)> _extraEdges;
    private readonly string _prefix;
    private readonly DagBuilder? _root;
    private DagSettings _settings;
    private TaskOptions _defaults = new();

    /// <summary>Starts a builder with the given settings (<see cref="Dag.Create"/> is the usual entry point).</summary>
    public DagBuilder(DagSettings settings)
    {
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _tasks = [];
        _groups = [];
        _extraEdges = [];
        _prefix = string.Empty;
    }

    private DagBuilder(DagBuilder parent, string prefix, TaskOptions defaults)
    {
        _root = parent._root ?? parent;
        _settings = parent._settings;
        _tasks = parent._tasks;
        _groups = parent._groups;
        _extraEdges = parent._extraEdges;
        _prefix = prefix;
        _defaults = defaults;
    }

    /// <summary>
    /// Adds a task group (Airflow's TaskGroup): tasks added inside get ids <c>group.task</c>, inherit the group's
    /// default args, and may name each other without the prefix. <paramref name="after"/> makes the group's first
    /// tasks wait for those tasks or groups; naming the group in another task's <c>after</c> waits for its last tasks.
    /// Groups nest.
    /// </summary>
    public DagBuilder Group(string groupId, Action<DagBuilder> build, TaskIds after = default, TaskOptions? defaultArgs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupId);
        ArgumentNullException.ThrowIfNull(build);
        var prefix = _prefix + groupId + ".";
        _groups.Add(new TaskGroupInfo(prefix.TrimEnd('.'), _prefix, after.Ids.ToArray()));
        build(new DagBuilder(this, prefix, (defaultArgs ?? new TaskOptions()).WithDefaults(_defaults)));
        return this;
    }

    /// <summary>Maps a task (Airflow's <c>expand</c>): one instance per element of the cross product of the sources.</summary>
    public DagBuilder Expand(string taskId, params MapSource[] sources) => SetMapping(taskId, new MapSpec(sources));

    /// <summary>Maps a task over a list of objects (Airflow's <c>expand_kwargs</c>): each object's fields are one instance's arguments.</summary>
    public DagBuilder ExpandKwargs(string taskId, MapSource source) => SetMapping(taskId, new MapSpec([source], Kwargs: true));

    private DagBuilder SetMapping(string taskId, MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var id = _prefix + taskId;
        var index = _tasks.FindLastIndex(t => t.TaskId == id);
        if (index < 0)
        {
            throw new DagValidationException(_settings.DagId, $"cannot map '{id}': add the task before mapping it.");
        }

        if (spec.Sources.Count == 0 || (spec.Kwargs && spec.Sources.Count != 1))
        {
            throw new DagValidationException(_settings.DagId, $"task '{id}': expand needs at least one source; expand_kwargs exactly one.");
        }

        var task = _tasks[index];
        var fromXCom = spec.Sources.Where(s => s.FromTaskId is not null).Select(s => _prefix + "\u0001" + s.FromTaskId);
        _tasks[index] = task with
        {
            Mapping = spec with { Sources = spec.Sources.Select(s => s.FromTaskId is null ? s : s with { FromTaskId = Resolve(s.FromTaskId) }).ToList() },
            Upstream = task.Upstream.Concat(fromXCom).ToArray(),
        };
        return this;
    }

    // XCom sources are usually siblings; an absolute id also works.
    private string Resolve(string taskId) => _tasks.Any(t => t.TaskId == _prefix + taskId) ? _prefix + taskId : taskId;

    /// <summary>Airflow's <c>chain(a, b, c)</c>: each task or group waits for the previous one.</summary>
    public DagBuilder Chain(params string[] taskOrGroupIds)
    {
        ArgumentNullException.ThrowIfNull(taskOrGroupIds);
        for (var i = 1; i < taskOrGroupIds.Length; i++)
        {
            _extraEdges.Add((_prefix + taskOrGroupIds[i - 1], _prefix + taskOrGroupIds[i]));
        }

        return this;
    }

    /// <summary>Airflow's <c>cross_downstream(from, to)</c>: every task in <paramref name="to"/> waits for every task in <paramref name="from"/>.</summary>
    public DagBuilder CrossDownstream(TaskIds from, TaskIds to)
    {
        foreach (var f in from)
        {
            foreach (var t in to)
            {
                _extraEdges.Add((_prefix + f, _prefix + t));
            }
        }

        return this;
    }

    /// <summary>Changes DAG settings: <c>.With(s => s with { Catchup = true, MaxActiveRuns = 1 })</c>.</summary>
    public DagBuilder With(Func<DagSettings, DagSettings> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _settings = change(_settings);
        return this;
    }

    /// <summary>
    /// Schedules the DAG on assets: <c>.ScheduleOn("wasb://landing/sales/ &amp; (stock | fx)")</c> (asset URIs with a
    /// scheme, or names of assets given in <paramref name="named"/>; any other word is an error). A schedule string given to <see cref="Dag.Create"/> stays: either
    /// one creates runs.
    /// </summary>
    /// <exception cref="FormatException">The expression is malformed; the message says where.</exception>
    public DagBuilder ScheduleOn(string expression, params Gale.Assets.Asset[] named)
    {
        var names = named.Where(a => a.Name is not null).ToDictionary(a => a.Name!, a => a.Uri, StringComparer.Ordinal);
        _settings = _settings with { AssetSchedule = Gale.Assets.AssetExpression.Parse(expression, t => names.TryGetValue(t, out var uri) ? uri : t.Contains("://", StringComparison.Ordinal) ? t : null) };
        return this;
    }

    /// <summary>Schedules the DAG on all of <paramref name="assets"/> (Airflow's <c>schedule=[a, b]</c>).</summary>
    public DagBuilder ScheduleOn(params Gale.Assets.Asset[] assets)
    {
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentOutOfRangeException.ThrowIfZero(assets.Length);
        var parts = assets.Select(a => (Gale.Assets.AssetExpression)new Gale.Assets.AssetExpression.Ref(a.Uri)).ToList();
        _settings = _settings with { AssetSchedule = parts.Count == 1 ? parts[0] : new Gale.Assets.AssetExpression.All(parts) };
        return this;
    }

    /// <summary>Declares an asset watcher with this DAG (it runs wherever the DAG is loaded).</summary>
    public DagBuilder Watch(Gale.Assets.Watchers.AssetWatcher watcher)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        _settings = _settings with { Watchers = [.. _settings.Watchers, watcher] };
        return this;
    }

    /// <summary>Declares a typed param (Airflow's Param); a run's conf overrides its default and is validated against it.</summary>
    public DagBuilder Param(string name, DagParam param)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var all = new Dictionary<string, DagParam>(_settings.Params, StringComparer.Ordinal) { [name] = param };
        _settings = _settings with { Params = all };
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
            TaskId = _prefix + taskId,
            Operator = op,
            Upstream = after.Ids.Select(u => _prefix + "\u0001" + u).ToArray(),
            TriggerRule = o.TriggerRule ?? (o.IsTeardown ? TriggerRule.AllDoneSetupSuccess : TriggerRule.AllSuccess),
            Retries = o.Retries ?? 0,
            RetryDelay = o.RetryDelay ?? TimeSpan.FromMinutes(5),
            RetryExponentialBackoff = o.RetryExponentialBackoff ?? false,
            MaxRetryDelay = o.MaxRetryDelay,
            ExecutionTimeout = o.ExecutionTimeout,
            Pool = o.Pool ?? "default_pool",
            PoolSlots = o.PoolSlots ?? 1,
            PriorityWeight = o.PriorityWeight ?? 1,
            DependsOnPast = (o.DependsOnPast ?? false) || (o.WaitForDownstream ?? false),
            WaitForDownstream = o.WaitForDownstream ?? false,
            IsSetup = o.IsSetup,
            IsTeardown = o.IsTeardown,
            Callbacks = new TaskCallbacks { OnExecute = o.OnExecute, OnSuccess = o.OnSuccess, OnFailure = o.OnFailure, OnRetry = o.OnRetry },
            Outlets = options?.Outlets ?? [],
            Inlets = options?.Inlets ?? [],
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

    /// <summary>Adds a latest-only gate: its direct downstream tasks are skipped in every scheduled run but the latest (manual runs always proceed).</summary>
    public DagBuilder LatestOnly(string taskId, TaskIds after = default, TaskOptions? options = null) =>
        Task(taskId, new Gale.Operators.LatestOnlyOperator(), after, options);

    /// <summary>
    /// Adds the run's async cleanup task (no edges): after every other task (or those in <paramref name="waitFor"/>)
    /// finished, whatever the outcome, it deletes the artifacts tasks registered with <c>ctx.RegisterCleanupAsync</c>.
    /// </summary>
    public DagBuilder Cleanup(string taskId = "cleanup", TaskIds waitFor = default) =>
        Task(taskId, new Gale.Operators.CleanupOperator(waitFor.Ids.Count > 0 ? waitFor.Ids : null));

    /// <summary>Validates and builds the DAG.</summary>
    /// <exception cref="DagValidationException">The DAG is invalid.</exception>
    public Dag Build()
    {
        if (_root is not null)
        {
            return _root.Build();
        }

        if (_tasks.GroupBy(t => t.TaskId, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new DagValidationException(_settings.DagId, $"task_id '{duplicate.Key}' is defined more than once.");
        }

        var resolver = new TaskGroupResolver(_settings.DagId, _tasks, _groups);
        var upstream = _tasks.ToDictionary(t => t.TaskId, t => t.Upstream.SelectMany(u => resolver.Resolve(u, t.TaskId)).ToList(), StringComparer.Ordinal);
        foreach (var group in _groups)
        {
            foreach (var root in resolver.Roots(group.Id))
            {
                upstream[root].AddRange(group.After.SelectMany(a => resolver.Resolve(group.ParentPrefix + "\u0001" + a, group.Id)));
            }
        }

        foreach (var (from, to) in _extraEdges)
        {
            foreach (var target in resolver.Expand(to, to, asUpstream: false))
            {
                upstream[target].AddRange(resolver.Expand(from, to, asUpstream: true));
            }
        }

        return new Dag(_settings, _tasks.Select(t => t with { Upstream = upstream[t.TaskId].Distinct(StringComparer.Ordinal).ToArray() }));
    }
}
