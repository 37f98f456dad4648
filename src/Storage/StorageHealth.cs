using System.Diagnostics;

namespace Gale.Storage;

/// <summary>The result of probing one storage service.</summary>
/// <param name="Service">"tables", "queues" or "blobs".</param>
/// <param name="Healthy">True when the probe succeeded.</param>
/// <param name="LatencyMs">How long the probe took.</param>
/// <param name="Error">Why it failed, when it failed.</param>
public sealed record StorageServiceHealth(string Service, bool Healthy, double LatencyMs, string? Error);

/// <summary>Probes Gale's tables, the queue service and Gale's containers with one cheap read each.</summary>
public static class StorageHealth
{
    /// <summary>Probes the three services in parallel; never throws for a storage failure.</summary>
    public static async Task<IReadOnlyList<StorageServiceHealth>> CheckAsync(StorageAccountClient account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        var probes = new[]
        {
            Probe("tables", () => FirstPageAsync(account.GetTableClient(GaleStorageLayout.Tables[0]).QueryAsync<Azure.Data.Tables.TableEntity>(maxPerPage: 1, cancellationToken: cancellationToken))),
            // Gale keeps no queue of its own (the task hub's come and go with it): the queue service's first page.
            Probe("queues", () => FirstPageAsync(account.Queues.GetQueuesAsync(cancellationToken: cancellationToken), pageSize: 1)),
            Probe("blobs", () => FirstPageAsync(account.GetBlobContainerClient(GaleStorageLayout.Containers[1]).GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, cancellationToken), pageSize: 1)),
        };
        return await Task.WhenAll(probes);
    }

    private static async Task FirstPageAsync<T>(Azure.AsyncPageable<T> pageable, int? pageSize = null)
        where T : notnull
    {
        await foreach (var page in pageable.AsPages(pageSizeHint: pageSize))
        {
            return;
        }
    }

    private static async Task<StorageServiceHealth> Probe(string service, Func<Task> probe)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await probe();
            return new StorageServiceHealth(service, true, watch.Elapsed.TotalMilliseconds, null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException or Azure.RequestFailedException or Azure.Identity.AuthenticationFailedException)
        {
            return new StorageServiceHealth(service, false, watch.Elapsed.TotalMilliseconds, e.Message);
        }
    }
}
