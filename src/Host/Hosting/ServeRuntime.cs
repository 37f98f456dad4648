using Gale.Engine;
using Gale.Orchestration.AzureStorage;
using Gale.Scheduling;
using Gale.Storage;
using Gale.Storage.Engine;

namespace Gale.Host.Hosting;

/// <summary>Which runtime <c>gale serve</c> runs DAG runs on.</summary>
public enum RuntimeKind
{
    /// <summary>Gale's own queue engine (<c>--runtime queue</c>), kept until its deletion.</summary>
    Queue,

    /// <summary>Each DAG run is a Durable Task orchestration in a task hub on the same storage account (the default).</summary>
    DurableTask,
}

/// <summary>
/// What runs DAG runs in a <c>gale serve</c> process, and how the API, scheduler and watchers reach them: the queue
/// engine with its workers, or a Durable Task hub (<see cref="AzureStorageTaskHub"/>) with the scheduler beside it.
/// </summary>
internal sealed class ServeRuntime : IAsyncDisposable
{
    /// <summary>Setting that picks the runtime when <c>--runtime</c> is not given: <c>queue</c> or <c>durable-task</c>.</summary>
    public const string Setting = "GALE_RUNTIME";

    private readonly CancellationTokenSource _stopping = new();
    private readonly EngineHost? _engine;
    private readonly AzureStorageTaskHub? _hub;
    private readonly SchedulerHost? _scheduling;
    private Task? _running;

    private ServeRuntime(EngineHost engine, IRunReader reader)
    {
        _engine = engine;
        Runs = engine.Engine;
        Reader = reader;
        Scheduler = engine.Scheduler;
        Watchers = engine.Watchers;
        Description = "queue engine";
    }

    private ServeRuntime(AzureStorageTaskHub hub, SchedulerHost scheduling, string hubName)
    {
        _hub = hub;
        _scheduling = scheduling;
        Runs = hub.Runs;
        Reader = hub.Runs;
        Scheduler = scheduling.Scheduler;
        Watchers = scheduling.Watchers;
        Description = $"Durable Task hub '{hubName}'";
    }

    /// <summary>Creates, changes and reads runs.</summary>
    public IDagRuns Runs { get; }

    /// <summary>Reads runs for the API.</summary>
    public IRunReader Reader { get; }

    /// <summary>The scheduler.</summary>
    public Scheduler? Scheduler { get; }

    /// <summary>The asset watchers.</summary>
    public Gale.Assets.Watchers.WatcherHost? Watchers { get; }

    /// <summary>The queue engine's host, or null on the Durable Task runtime.</summary>
    public EngineHost? QueueHost => _engine;

    /// <summary>For the start-up line.</summary>
    public string Description { get; }

    /// <summary>The runtime <paramref name="text"/> names (<paramref name="fallback"/> when it is empty).</summary>
    /// <exception cref="FormatException">Neither <c>queue</c> nor <c>durable-task</c>.</exception>
    public static RuntimeKind Parse(string? text, string source, RuntimeKind fallback = RuntimeKind.DurableTask) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => fallback,
        "queue" => RuntimeKind.Queue,
        "durable-task" => RuntimeKind.DurableTask,
        _ => throw new FormatException($"{source}: '{text}' is not a runtime (durable-task or queue)."),
    };

    /// <summary>The runtime the <see cref="Setting"/> names; when it is absent, the Durable Task runtime.</summary>
    /// <exception cref="FormatException">The setting names no runtime.</exception>
    public static RuntimeKind FromSettings() =>
        Parse(LocalSettings.Get(Setting), $"setting {Setting}", RuntimeKind.DurableTask);

    /// <summary>Starts the runtime's storage side (the task hub's queues, tables and worker); its loops start with <see cref="Start"/>.</summary>
    public static async Task<ServeRuntime> CreateAsync(RuntimeKind kind, StorageAccountClient account, IDagRegistry dags, EngineOptions engineOptions, TaskServices services, SchedulerOptions schedulerOptions, ILoggerFactory loggers)
    {
        if (kind == RuntimeKind.Queue)
        {
            var engine = StorageEngine.CreateHost(account, dags, engineOptions, TimeProvider.System, loggers, services, schedulerOptions: schedulerOptions);
            return new ServeRuntime(engine, StorageEngine.RunStore(account));
        }

        var options = TaskHubOptions.FromSettings(LocalSettings.Get) with { MaxConcurrentActivities = engineOptions.TaskConcurrency };
        var hub = await AzureStorageTaskHub.StartAsync(account.Connection, options, dags, services, TimeProvider.System, loggers);
        try
        {
            var scheduling = new SchedulerHost(hub.Runs, dags, StorageEngine.DagStateStore(account), services, TimeProvider.System, schedulerOptions, loggers);
            return new ServeRuntime(hub, scheduling, options.HubName);
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts polling (queue engine) or the scheduler and watchers (the task hub's worker is already running).</summary>
    public void Start()
    {
        if (_engine is not null)
        {
            _engine.Start();
        }
        else
        {
            _running ??= _scheduling!.RunAsync(_stopping.Token);
        }
    }

    /// <summary>Stops taking work; in-flight tries are released (queue engine) or abandoned to be picked up again (task hub).</summary>
    public async Task StopAsync()
    {
        if (_engine is not null)
        {
            await _engine.StopAsync();
            return;
        }

        await _stopping.CancelAsync();
        if (_running is not null)
        {
            await _running;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        _stopping.Dispose();
    }
}
