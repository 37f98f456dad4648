using Gale.Engine;
using Gale.Host.Hosting;
using Gale.Orchestration.AzureStorage;
using Gale.Storage;

namespace Gale.Host.Cli;

/// <summary>
/// How the CLI's <c>--storage</c> commands create, change and read runs: on the Durable Task hub a <c>gale serve</c>
/// on that storage runs (<c>GALE_TASKHUB_NAME</c>), whose instances it starts and raises events on directly.
/// </summary>
internal static class CliRuns
{
    /// <summary>The runs on <paramref name="account"/>'s task hub.</summary>
    /// <exception cref="FormatException">A task hub setting is malformed.</exception>
    public static async Task<IDagRuns> OpenAsync(StorageAccountClient account, IDagRegistry dags)
    {
        return await AzureStorageTaskHub.RunsAsync(account.Connection, TaskHubOptions.FromSettings(LocalSettings.Get), dags, TimeProvider.System);
    }

    /// <summary>
    /// Runs on <paramref name="account"/> with a task hub worker in this process (for <c>dags backfill --storage</c>,
    /// which runs its runs itself).
    /// </summary>
    /// <exception cref="FormatException">A task hub setting is malformed.</exception>
    public static async Task<(IDagRuns Runs, IAsyncDisposable Worker)> StartWorkerAsync(StorageAccountClient account, IDagRegistry dags, TaskServices services, ILoggerFactory loggers)
    {
        var hub = await AzureStorageTaskHub.StartAsync(account.Connection, TaskHubOptions.FromSettings(LocalSettings.Get), dags, services, TimeProvider.System, loggers);
        return (hub.Runs, hub);
    }
}
