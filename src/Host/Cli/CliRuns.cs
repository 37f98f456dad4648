using DurableTask.AzureStorage;
using Gale.Engine;
using Gale.Host.Hosting;
using Gale.Orchestration.AzureStorage;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Storage;
using Gale.Storage.Engine;

namespace Gale.Host.Cli;

/// <summary>
/// How the CLI's <c>--storage</c> commands create, change and read runs: through the runtime a <c>gale serve</c> on
/// that storage runs (<c>GALE_RUNTIME</c>): the queue engine's run table and control queue, or the Durable Task hub
/// (<c>GALE_TASKHUB_NAME</c>), whose instances it starts and raises events on directly.
/// </summary>
internal static class CliRuns
{
    /// <summary>The runs on <paramref name="account"/>, as the configured runtime keeps them.</summary>
    /// <exception cref="FormatException">A runtime or task hub setting is malformed.</exception>
    public static async Task<IDagRuns> OpenAsync(StorageAccountClient account, IDagRegistry dags)
    {
        var clock = TimeProvider.System;
        if (ServeRuntime.FromSettings() == RuntimeKind.Queue)
        {
            return new RunEngine(StorageEngine.RunStore(account), dags, StorageEngine.TaskQueue(account, clock), StorageEngine.ControlQueue(account, clock), clock, new EngineOptions { RunReadyTasksLocally = false });
        }

        var options = TaskHubOptions.FromSettings(LocalSettings.Get);
        var service = new AzureStorageOrchestrationService(AzureStorageTaskHub.Settings(account.Connection, options));
        await service.CreateIfNotExistsAsync();
        return new OrchestratedDagRuns(new CoreDurableTaskClient(options.HubName, service), dags, clock);
    }

    /// <summary>
    /// Runs on <paramref name="account"/> with a worker in this process (for <c>dags backfill --storage</c>, which runs
    /// its runs itself): the queue engine's workers (no scheduler), or a task hub worker on the configured hub.
    /// </summary>
    /// <exception cref="FormatException">A runtime or task hub setting is malformed.</exception>
    public static async Task<(IDagRuns Runs, IAsyncDisposable Worker)> StartWorkerAsync(StorageAccountClient account, IDagRegistry dags, TaskServices services, ILoggerFactory loggers)
    {
        if (ServeRuntime.FromSettings() == RuntimeKind.Queue)
        {
            var host = StorageEngine.CreateHost(account, dags, new EngineOptions(), TimeProvider.System, loggers, services, withScheduler: false);
            host.Start();
            return (host.Engine, host);
        }

        var hub = await AzureStorageTaskHub.StartAsync(account.Connection, TaskHubOptions.FromSettings(LocalSettings.Get), dags, services, TimeProvider.System, loggers);
        return (hub.Runs, hub);
    }

    /// <summary>Sends <paramref name="e"/> to <paramref name="run"/>: on the queue engine through the control queue (a host applies it), else raised on its instance.</summary>
    public static async Task SendAsync(StorageAccountClient account, IDagRuns runs, RunKey run, RunEvent e, CancellationToken cancellationToken)
    {
        if (runs is RunEngine)
        {
            await StorageEngine.ControlQueue(account, TimeProvider.System).SendAsync(EngineMessages.Serialize(new ControlMessage(run.DagId, run.RunId, e)), cancellationToken: cancellationToken);
            return;
        }

        await runs.ApplyAsync(run, [e], cancellationToken);
    }
}
