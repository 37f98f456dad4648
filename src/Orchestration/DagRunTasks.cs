using Gale.Engine;
using Gale.Orchestration.Activities;
using Gale.Orchestration.Runs;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Orchestration;

/// <summary>
/// The orchestrator and the activities of a DAG run, as every host registers them: gale serve's task hub worker,
/// the in-process hub of <c>gale dags test</c> and the Function App's trigger functions. One place builds them, so the
/// hosts run the same classes with the same collaborators.
/// </summary>
public sealed class DagRunTasks
{
    private readonly IDagRegistry _dags;
    private readonly DecisionMemo? _memo;
    private readonly int _triesPerHistory;
    private readonly Dictionary<string, Func<ITaskActivity>> _activities;

    /// <summary>The tasks for <paramref name="dags"/>, whose tries use <paramref name="services"/> and whose runs are <paramref name="runs"/>.</summary>
    /// <param name="dags">The DAGs the runs belong to.</param>
    /// <param name="services">Logs, XComs, variables, pools and the other task services.</param>
    /// <param name="runs">The runs (trigger_dagrun creates runs through it; tries and trigger polls read it).</param>
    /// <param name="clock">The clock of tries and polls.</param>
    /// <param name="options">How this host runs tries.</param>
    /// <param name="loggers">Where tries and polls log.</param>
    public DagRunTasks(IDagRegistry dags, TaskServices services, OrchestratedDagRuns runs, TimeProvider clock, DagRunTaskOptions? options = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(clock);
        _dags = dags ?? throw new ArgumentNullException(nameof(dags));
        options ??= new DagRunTaskOptions();
        loggers ??= NullLoggerFactory.Instance;
        _memo = options.Memo;
        _triesPerHistory = options.TriesPerHistory;
        var executor = new TaskAttemptExecutor(services, dags, clock, options.WorkerId, new RunLauncher(runs, dags, options.StartTriggeredRunsImmediately), runs, loggers);
        var watch = options.EnforceLimitsAndWatchTries ? new TryWatch(runs, clock, options.TryCheckInterval) : null;
        var limits = options.EnforceLimitsAndWatchTries ? services : null;
        _activities = new(StringComparer.Ordinal)
        {
            [nameof(RunTaskAttempt)] = () => new RunTaskAttempt(dags, executor, watch, limits, clock),
            [nameof(PollTrigger)] = () => new PollTrigger(services, clock, runs, loggers),
            [nameof(ClearTaskData)] = () => new ClearTaskData(services),
            [nameof(FinishRun)] = () => new FinishRun(dags, executor),
            [nameof(ReadPreviousRun)] = () => new ReadPreviousRun(runs),
        };
    }

    /// <summary>The orchestrator's name (also the name of the Function App's orchestration function).</summary>
    public static string OrchestratorName => nameof(DagRunOrchestrator);

    /// <summary>The activities' names, as the orchestrator calls them.</summary>
    public IReadOnlyCollection<string> ActivityNames => _activities.Keys;

    /// <summary>A new orchestrator (it keeps no state across episodes beyond the shared decision memo).</summary>
    public DagRunOrchestrator Orchestrator() => new(_dags, _memo, _triesPerHistory);

    /// <summary>A new instance of the activity named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No activity has that name.</exception>
    public ITaskActivity Activity(string name) =>
        _activities.TryGetValue(name, out var create) ? create() : throw new ArgumentException($"'{name}' is not an activity of a DAG run ({string.Join(", ", _activities.Keys)}).", nameof(name));
}
