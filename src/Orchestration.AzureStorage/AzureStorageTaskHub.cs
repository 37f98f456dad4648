using DurableTask.AzureStorage;
using DurableTask.Core;
using Gale.Engine;
using Gale.Orchestration.Runs;
using Gale.Storage;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Orchestration.AzureStorage;

/// <summary>
/// A Durable Task worker for DAG runs on Azure Storage: DurableTask.Core's <see cref="TaskHubWorker"/> over
/// <see cref="AzureStorageOrchestrationService"/> (task hub in Azurite or an account), running
/// <see cref="DagRunOrchestrator"/> and its activities through <see cref="DurableTaskShimFactory"/>, the same classes the
/// Function App runs. Several processes on one task hub share the work (the backend's partition leases decide).
/// </summary>
public sealed class AzureStorageTaskHub : IAsyncDisposable
{
    private readonly TaskHubWorker _worker;

    private AzureStorageTaskHub(AzureStorageOrchestrationService service, TaskHubWorker worker, DurableTaskClient client, OrchestratedDagRuns runs)
    {
        Service = service;
        _worker = worker;
        Client = client;
        Runs = runs;
    }

    /// <summary>The hub's runs, as the API, CLI and scheduler create, change and read them.</summary>
    public OrchestratedDagRuns Runs { get; }

    /// <summary>The backend (queries, purge).</summary>
    public AzureStorageOrchestrationService Service { get; }

    /// <summary>A client on the same backend object (its sends wake this worker's pollers at once).</summary>
    public DurableTaskClient Client { get; }

    /// <summary>The backend settings <paramref name="options"/> give for <paramref name="connection"/>.</summary>
    public static AzureStorageOrchestrationServiceSettings Settings(StorageConnection connection, TaskHubOptions options, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        var connectionString = connection.SdkConnectionString();
        return new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.HubName,
            StorageAccountClientProvider = connectionString is not null
                ? new StorageAccountClientProvider(connectionString)
                : new StorageAccountClientProvider(connection.BlobEndpoint!, connection.QueueEndpoint!, connection.TableEndpoint!, connection.TokenCredential!),
            LoggerFactory = loggers ?? NullLoggerFactory.Instance,
            PartitionCount = options.PartitionCount,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            ControlQueueBatchSize = options.ControlQueueBatchSize,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestrations,
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities,
            ExtendedSessionsEnabled = options.ExtendedSessions,
            ControlQueueVisibilityTimeout = options.MessageVisibility,
            WorkItemQueueVisibilityTimeout = options.MessageVisibility,
            LeaseInterval = options.LeaseInterval,
            LeaseRenewInterval = options.LeaseInterval / 3,
            LeaseAcquireInterval = options.LeaseInterval / 3,
            // A second start of a run id must fail loudly, not silently replace the running instance.
            ThrowExceptionOnInvalidDedupeStatus = true,
            // Partition leases are held per worker id, which defaults to the machine name: two processes on one
            // machine would each take the other's partitions for its own and run the same instances at once.
            WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}",
            // A stale episode must not overwrite a newer (or a final) status in the Instances table.
            UseInstanceTableEtag = true,
        };
    }

    /// <summary>
    /// The runs of a task hub with no worker in this process (the CLI's <c>--storage</c> commands): runs created here
    /// wait, pending, for a host's worker. Creates the task hub's resources if needed.
    /// </summary>
    /// <param name="connection">The storage account.</param>
    /// <param name="options">The task hub.</param>
    /// <param name="dags">The DAGs.</param>
    /// <param name="clock">The clock runs are dated by.</param>
    /// <param name="confirmWithin">How long a change waits to be confirmed by a worker (default 10 s; zero: not at all).</param>
    public static async Task<OrchestratedDagRuns> RunsAsync(StorageConnection connection, TaskHubOptions options, IDagRegistry dags, TimeProvider clock, TimeSpan? confirmWithin = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var service = new AzureStorageOrchestrationService(Settings(connection, options));
        await service.CreateIfNotExistsAsync();
        return new OrchestratedDagRuns(new CoreDurableTaskClient(options.HubName, service), dags, clock, confirmWithin);
    }

    /// <summary>Creates the task hub's resources if needed and starts the worker.</summary>
    public static async Task<AzureStorageTaskHub> StartAsync(StorageConnection connection, TaskHubOptions options, IDagRegistry dags, TaskServices services, TimeProvider clock, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dags);
        ArgumentNullException.ThrowIfNull(services);
        loggers ??= NullLoggerFactory.Instance;
        var service = new AzureStorageOrchestrationService(Settings(connection, options, loggers));
        await service.CreateIfNotExistsAsync();
        var client = new CoreDurableTaskClient(options.HubName, service);
        var runs = new OrchestratedDagRuns(client, dags, clock);
        var tasks = new DagRunTasks(dags, services, runs, clock, new DagRunTaskOptions { TryCheckInterval = options.TryCheckInterval, TriesPerHistory = options.TriesPerHistory }, loggers);
        var shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions(), loggers);
        var worker = new TaskHubWorker(service, loggers);
        worker.AddTaskOrchestrations(new NamedTaskCreator<TaskOrchestration>(DagRunTasks.OrchestratorName, () => shims.CreateOrchestration(DagRunTasks.OrchestratorName, tasks.Orchestrator())));
        worker.AddTaskActivities([.. tasks.ActivityNames.Select(name => new NamedTaskCreator<TaskActivity>(name, () => shims.CreateActivity(name, tasks.Activity(name))))]);
        await worker.StartAsync();
        return new AzureStorageTaskHub(service, worker, client, runs);
    }

    /// <summary>
    /// Stops the worker gracefully: it takes no more work, gives the episodes and tries running now a few seconds to
    /// finish and record their results (the runtime waits up to 8 s), and releases its partitions so that another host
    /// takes its runs at once. A try still running after that is abandoned and runs again on another host once
    /// <see cref="TaskHubOptions.MessageVisibility"/> passes.
    /// </summary>
    public Task StopAsync() => _worker.StopAsync(isForced: false);

    /// <summary>Stops the worker at once (after <see cref="StopAsync"/>, nothing is left to stop); running work is abandoned to be picked up again.</summary>
    public async ValueTask DisposeAsync() => await _worker.StopAsync(isForced: true);
}
