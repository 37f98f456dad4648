using Gale.Engine;
using Gale.Orchestration.AzureStorage;
using Gale.Scheduling;
using Gale.Storage;
using Gale.Storage.Engine;

namespace Gale.Host.Hosting;

/// <summary>
/// What runs DAG runs in a <c>gale serve</c> process, and how the API, scheduler and watchers reach them: a Durable
/// Task hub (<see cref="AzureStorageTaskHub"/>) whose worker runs the orchestrations and tries, with the scheduler and
/// watchers beside it.
/// </summary>
internal sealed class ServeRuntime : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly AzureStorageTaskHub _hub;
    private readonly SchedulerHost _scheduling;
    private readonly IDisposable _queueDepth;
    private Task? _running;

    private ServeRuntime(AzureStorageTaskHub hub, SchedulerHost scheduling, string hubName, IDisposable queueDepth)
    {
        _hub = hub;
        _scheduling = scheduling;
        _queueDepth = queueDepth;
        Description = $"Durable Task hub '{hubName}'";
    }

    /// <summary>Creates, changes and reads runs.</summary>
    public IDagRuns Runs => _hub.Runs;

    /// <summary>Reads runs for the API.</summary>
    public IRunReader Reader => _hub.Runs;

    /// <summary>The scheduler.</summary>
    public Scheduler Scheduler => _scheduling.Scheduler;

    /// <summary>The asset watchers.</summary>
    public Gale.Assets.Watchers.WatcherHost Watchers => _scheduling.Watchers;

    /// <summary>For the start-up line.</summary>
    public string Description { get; }

    /// <summary>Starts the task hub (its queues, tables and worker); the scheduler and watchers start with <see cref="Start"/>.</summary>
    /// <param name="account">The storage account of the task hub and of Gale's stores.</param>
    /// <param name="dags">The DAGs.</param>
    /// <param name="taskConcurrency">Task tries this host runs at once.</param>
    /// <param name="services">The task services.</param>
    /// <param name="schedulerOptions">How the scheduler ticks.</param>
    /// <param name="loggers">Where logs go.</param>
    public static async Task<ServeRuntime> CreateAsync(StorageAccountClient account, IDagRegistry dags, int taskConcurrency, TaskServices services, SchedulerOptions schedulerOptions, ILoggerFactory loggers)
    {
        var options = TaskHubOptions.FromSettings(LocalSettings.Get) with { MaxConcurrentActivities = taskConcurrency };
        var hub = await AzureStorageTaskHub.StartAsync(account.Connection, options, dags, services, TimeProvider.System, loggers);
        try
        {
            var scheduling = new SchedulerHost(hub.Runs, dags, StorageEngine.DagStateStore(account), services, TimeProvider.System, schedulerOptions, loggers);
            return new ServeRuntime(hub, scheduling, options.HubName, TrackQueueDepth(account, options));
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the scheduler and watchers (the task hub's worker is already running).</summary>
    public void Start() => _running ??= _scheduling.RunAsync(_stopping.Token);

    /// <summary>Stops the scheduler and watchers, then the task hub's worker gracefully (<see cref="AzureStorageTaskHub.StopAsync"/>).</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        if (_running is not null)
        {
            await _running;
        }

        await _hub.StopAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _queueDepth.Dispose();
        await _hub.DisposeAsync();
        _stopping.Dispose();
    }

    // The gale.queue.depth gauge reads the task hub's queues: its work items (task tries and other activities) and
    // its control queues (orchestration messages).
    private static IDisposable TrackQueueDepth(StorageAccountClient account, TaskHubOptions options)
    {
        var prefix = options.HubName.ToLowerInvariant();
        var queues = new List<(string, IMessageQueue)> { ("tasks", new StorageMessageQueue(account.GetQueueClient($"{prefix}-workitems"), TimeProvider.System)) };
        queues.AddRange(Enumerable.Range(0, options.PartitionCount).Select(p => ("control", (IMessageQueue)new StorageMessageQueue(account.GetQueueClient($"{prefix}-control-{p:00}"), TimeProvider.System))));
        return Gale.Telemetry.QueueDepthGauge.Track([.. queues]);
    }
}
