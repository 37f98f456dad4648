using Azure;
using Azure.Storage.Blobs.Models;
using Gale.Triggers;

namespace Gale.Storage.Engine;

/// <summary>Blob existence for sensors, on the storage account's blob service.</summary>
public sealed class BlobObjectProbe(StorageAccountClient account) : IObjectProbe
{
    /// <inheritdoc />
    public async Task<bool> ExistsAsync(string container, string name, bool isPrefix, CancellationToken cancellationToken = default)
    {
        var client = account.GetBlobContainerClient(container);
        try
        {
            if (!isPrefix)
            {
                return (await client.GetBlobClient(name).ExistsAsync(cancellationToken)).Value;
            }

            await foreach (var page in client.GetBlobsAsync(BlobTraits.None, BlobStates.None, name, cancellationToken).AsPages(pageSizeHint: 1))
            {
                return page.Values.Count > 0;
            }

            return false;
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            return false; // no such container yet
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string container, string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pages = account.GetBlobContainerClient(container).GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).AsPages().GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                try
                {
                    if (!await pages.MoveNextAsync())
                    {
                        yield break;
                    }
                }
                catch (RequestFailedException e) when (e.IsNotFound())
                {
                    yield break; // no such container yet
                }

                foreach (var item in pages.Current.Values)
                {
                    yield return Info(item);
                }
            }
        }
        finally
        {
            await pages.DisposeAsync();
        }
    }

    private static ObjectInfo Info(BlobItem item) =>
        new(item.Name, item.Properties.ETag?.ToString() ?? string.Empty, item.Properties.LastModified ?? default, item.Properties.ContentLength ?? 0);
}
