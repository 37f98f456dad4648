using System.Text.Json;
using Gale.Engine;
using Gale.InMemory;
using Gale.Runs;
using Gale.Secrets;
using Gale.Templates;
using Gale.Timetables;
using Microsoft.Extensions.Logging;

namespace Gale.Execution;

/// <summary>Everything a running attempt can see: its run, its dates, its XComs and a cancellation token (Airflow's context).</summary>
public sealed class TaskContext
{
    /// <summary>The DAG's id.</summary>
    public required string DagId { get; init; }

    /// <summary>The run's id, e.g. <c>manual__2024-01-01T00:00:00+00:00</c>.</summary>
    public required string RunId { get; init; }

    /// <summary>The task's id.</summary>
    public required string TaskId { get; init; }

    /// <summary>The map index, or -1 for an unmapped task.</summary>
    public int MapIndex { get; init; } = -1;

    /// <summary>The attempt's number, starting at 1.</summary>
    public int TryNumber { get; init; } = 1;

    /// <summary>The run's logical date.</summary>
    public DateTimeOffset LogicalDate { get; init; }

    /// <summary>Start of the run's data interval.</summary>
    public DateTimeOffset DataIntervalStart { get; init; }

    /// <summary>End of the run's data interval.</summary>
    public DateTimeOffset DataIntervalEnd { get; init; }

    /// <summary>How the run came to be: scheduled, manual or backfill.</summary>
    public DagRunType RunType { get; init; } = DagRunType.Manual;

    /// <summary>The DAG's schedule; null where it is not known.</summary>
    public ITimetable? Timetable { get; init; }

    /// <summary>The clock of the host running the attempt (a test's clock under <c>gale dags test</c>).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The run's conf (a JSON object; empty when none was given).</summary>
    public JsonElement Conf { get; init; }

    /// <summary>Reads and writes XComs of this run.</summary>
    public required XComAccessor XCom { get; init; }

    /// <summary>The task's logger (its output goes to the task log).</summary>
    public required ILogger Log { get; init; }

    /// <summary>Cancelled when the attempt times out or the worker shuts down.</summary>
    public CancellationToken CancellationToken { get => _cancellationToken; init => _cancellationToken = value; }

    private CancellationToken _cancellationToken;

    /// <summary>A copy of this context that resumes <paramref name="deferral"/> (its trigger fired).</summary>
    internal TaskContext Resuming(Deferral deferral)
    {
        var copy = (TaskContext)MemberwiseClone();
        copy._resumed = deferral;
        return copy;
    }

    private Deferral? _resumed;

    /// <summary>A copy of this context whose <see cref="CancellationToken"/> is <paramref name="token"/> (end-of-try callbacks run after a timeout cancelled the try's own token).</summary>
    internal TaskContext WithCancellation(CancellationToken token)
    {
        var copy = (TaskContext)MemberwiseClone();
        copy._cancellationToken = token;
        return copy;
    }

    /// <summary>Variables (settings <c>GALE_VAR_*</c> first, then the <c>variables</c> table).</summary>
    public VariableResolver Variables { get; init; } = new(new InMemoryVariableStore(), _ => null, new SecretMasker());

    /// <summary>Connections (settings <c>GALE_CONN_*</c>).</summary>
    public ConnectionResolver Connections { get; init; } = new(_ => null, new SecretMasker());

    /// <summary>Masks secrets; register values a task obtains by other means with <see cref="SecretMasker.Add"/>.</summary>
    public SecretMasker Masker { get; init; } = new();

    /// <summary>The HTTP client tasks share.</summary>
    public HttpClient Http { get; init; } = new();

    /// <summary>Starts and watches runs of other DAGs; null where no engine is available.</summary>
    public IDagRunLauncher? Runs { get; init; }

    /// <summary>Renders templates against this attempt's context; null where templates are unavailable.</summary>
    public TemplateRenderer? Templates { get; internal set; }

    /// <summary>Renders a template (<c>{{ ds }}</c>, <c>{{ var.value.NAME }}</c>, …) against this attempt's context.</summary>
    /// <exception cref="TemplateException">Bad syntax or an undefined name.</exception>
    public Task<string> RenderAsync(string template) =>
        (Templates ?? throw new InvalidOperationException("templates are not available in this context")).RenderAsync(template, CancellationToken);

    /// <summary>The run's params: the DAG's param defaults overridden by the run's conf.</summary>
    public IReadOnlyDictionary<string, JsonElement> Params { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>A param converted to <typeparamref name="T"/>.</summary>
    /// <exception cref="KeyNotFoundException">The DAG has no such param.</exception>
    public T? Param<T>(string name) =>
        Params.TryGetValue(name, out var value)
            ? value.Deserialize<T>(XComJson.Options)
            : throw new KeyNotFoundException($"DAG '{DagId}' has no param '{name}' (params: {string.Join(", ", Params.Keys)}).");

    /// <summary>For a mapped task instance: its arguments (Airflow's expanded keyword arguments).</summary>
    public IReadOnlyDictionary<string, JsonElement> MapArguments { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>A mapped argument converted to <typeparamref name="T"/>.</summary>
    /// <exception cref="KeyNotFoundException">The task is not mapped over an argument of that name.</exception>
    public T? Arg<T>(string name) =>
        MapArguments.TryGetValue(name, out var value)
            ? value.Deserialize<T>(XComJson.Options)
            : throw new KeyNotFoundException($"Task '{TaskId}' has no mapped argument '{name}' (arguments: {string.Join(", ", MapArguments.Keys)}).");

    /// <summary>When this execution resumes a deferred try: the method it resumes in (Airflow's next_method); null on a first execution.</summary>
    public string? NextMethod => _resumed is null ? null : _resumed.Method ?? string.Empty;

    /// <summary>When this execution resumes a deferred try: the event its trigger fired with; null on a first execution.</summary>
    public JsonElement? TriggerEvent => _resumed?.Event is { } data ? JsonDocument.Parse(data).RootElement.Clone() : null;

    /// <summary>When this execution resumes a deferred try: the keyword arguments given to <see cref="Defer"/> (an empty object otherwise).</summary>
    public JsonElement NextKwargs => JsonDocument.Parse(_resumed?.Kwargs ?? "{}").RootElement.Clone();

    /// <summary>
    /// Defers the task (Airflow's <c>self.defer</c>): the attempt ends here without holding a worker or a pool slot, and
    /// the task runs again, in the same try, when <paramref name="trigger"/> fires, with <see cref="NextMethod"/>,
    /// <see cref="TriggerEvent"/> and <see cref="NextKwargs"/> set. After <paramref name="timeout"/> the try fails.
    /// </summary>
    /// <exception cref="TaskDeferredException">Always: it is how the attempt stops.</exception>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void Defer(Gale.Triggers.Trigger trigger, string method = "execute_complete", object? kwargs = null, TimeSpan? timeout = null) =>
        throw new TaskDeferredException(trigger, method, JsonSerializer.Serialize(kwargs ?? new Dictionary<string, object>(), XComJson.Options), timeout);

    /// <summary>A trigger context for this task instance after <c>checks</c> earlier checks (sensors in poke and reschedule mode check in the worker).</summary>
    public Func<int, Gale.Triggers.TriggerContext>? TriggerContextFor { get; internal set; }

    /// <summary>Extra payload for the asset event of each outlet (by URI), set by the task (Airflow's <c>outlet_events[asset].extra</c>).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, object?> OutletExtras { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The asset events that triggered this run, by asset URI, oldest first (Airflow's <c>triggering_asset_events</c>);
    /// empty unless the run is asset-triggered.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<Gale.Assets.AssetEvent>>> GetTriggeringAssetEventsAsync()
    {
        var events = RunType == DagRunType.AssetTriggered && TriggeringAssetEvents is { } load ? await load(CancellationToken) : [];
        return events.GroupBy(e => e.AssetUri, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Gale.Assets.AssetEvent>)[.. g.OrderBy(e => e.Timestamp)], StringComparer.Ordinal);
    }

    /// <summary>Loads the run's triggering asset events (set by the engine).</summary>
    public Func<CancellationToken, Task<IReadOnlyList<Gale.Assets.AssetEvent>>>? TriggeringAssetEvents { get; init; }

    /// <summary>The run's cleanup registry and the store that deletes artifacts; null where unavailable.</summary>
    public CleanupServices? Cleanup { get; init; }

    /// <summary>The DAG's named cleanup callbacks.</summary>
    public IReadOnlyDictionary<string, Func<TaskContext, string?, Task>> CleanupCallbacks { get; init; } = new Dictionary<string, Func<TaskContext, string?, Task>>();

    /// <summary>Every task of the DAG but this one.</summary>
    public IReadOnlyList<string> OtherTaskIds { get; init; } = [];

    /// <summary>
    /// Registers a temporary artifact this task created (Airflow has no equivalent; this is Gale's async cleanup): the
    /// run's <c>cleanup</c> task deletes it after every other task finished, whatever the outcome.
    /// </summary>
    public Task RegisterCleanupAsync(Gale.Cleanup.CleanupKind kind, string target, string? prefix = null, string? argument = null) =>
        (Cleanup ?? throw new InvalidOperationException("cleanup registrations are not available in this context")).Registry
            .RegisterAsync(new RunKey(DagId, RunId), new Gale.Cleanup.CleanupItem(kind, target, prefix, TaskId, MapIndex, argument), CancellationToken);

    /// <summary>Set by <see cref="Follow"/>: the direct downstream tasks this branch chose.</summary>
    public IReadOnlyList<string>? FollowedTaskIds { get; private set; }

    /// <summary>Set by <see cref="ShortCircuit"/>: skip everything downstream.</summary>
    public bool ShortCircuited { get; private set; }

    /// <summary>Branch: when this attempt succeeds, run only these direct downstream tasks and skip the others.</summary>
    public void Follow(IEnumerable<string> taskIds) => FollowedTaskIds = [.. taskIds];

    /// <summary>Short-circuit: when this attempt succeeds, skip every downstream task except teardowns.</summary>
    public void ShortCircuit() => ShortCircuited = true;
}

/// <summary>What the cleanup task and registrations use.</summary>
/// <param name="Registry">Artifacts registered per run.</param>
/// <param name="Artifacts">Deletes blob prefixes and tables.</param>
public sealed record CleanupServices(Gale.Cleanup.ICleanupRegistry Registry, Gale.Cleanup.IArtifactStore Artifacts);
