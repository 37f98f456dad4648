using Azure.Storage.Blobs;
using Gale.Assets.Watchers;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Gale.Functions;

/// <summary>
/// What gale serve does in the background, driven by triggers: a timer ticks the scheduler and polls the asset
/// watchers (Event Hubs partitions included, read from their watermarks), and new blobs wake the blob watchers of
/// their container through Event Grid.
/// </summary>
public sealed class SchedulerFunctions(GaleFunctionApp app, ILogger<SchedulerFunctions> log)
{
    /// <summary>One scheduler tick and one watcher poll every ten seconds.</summary>
    [Function("scheduler")]
    public async Task Tick([TimerTrigger("*/10 * * * * *", UseMonitor = true)] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        var scheduling = app.Bind(client).Scheduling;
        var before = scheduling.Scheduler.RunsCreated;
        await scheduling.Scheduler.TickAsync(cancellationToken);
        var changes = await scheduling.Watchers.PollDueAsync(cancellationToken);
        log.LogInformation("scheduler tick: {Runs} runs created across {Dags} DAGs, {Changes} watcher changes{Late}", scheduling.Scheduler.RunsCreated - before, app.Dags.Dags.Count, changes, timer.IsPastDue ? " (timer was past due)" : string.Empty);
    }

    /// <summary>A new blob in <c>GALE_WATCH_CONTAINER</c>: the blob watchers of that container whose prefix it has list and emit at once.</summary>
    [Function("blobs")]
    public async Task BlobCreated(
        [BlobTrigger("%GALE_WATCH_CONTAINER%/{name}", Source = BlobTriggerSource.EventGrid, Connection = "AzureWebJobsStorage")] BlobClient blob,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var watchers = app.Bind(client).Scheduling.Watchers;
        var (container, name) = (blob.BlobContainerName, blob.Name);
        var woken = 0;
        foreach (var watcher in watchers.Watchers.OfType<BlobWatcher>().Where(w => w.Container == container && name.StartsWith(w.Prefix, StringComparison.Ordinal)))
        {
            var cycle = await watchers.Runner.PollOnceAsync(watcher, cancellationToken);
            log.LogInformation("watcher {Watcher}: {Changes} changes, {Events} new asset events (woken by {Container}/{Blob})", watcher.Name, cycle.Changes, cycle.NewEvents, container, name);
            woken++;
        }

        if (woken == 0)
        {
            log.LogInformation("no blob watcher for {Container}/{Blob}", container, name);
        }
    }
}
