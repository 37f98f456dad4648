using Gale.Storage.Blobs;
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
                return await client.ExistsAsync(name, cancellationToken);
            }

            var page = await client.ListBlobsPageAsync(prefix: name, pageSize: 1, cancellationToken: cancellationToken);
            return page.Items.Count > 0;
        }
        catch (StorageException e) when (e.IsNotFound)
        {
            return false; // no such container yet
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string container, string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var client = account.GetBlobContainerClient(container);
        string? marker = null;
        do
        {
            BlobPage page;
            try
            {
                page = await client.ListBlobsPageAsync(prefix: prefix, continuationToken: marker, cancellationToken: cancellationToken);
            }
            catch (StorageException e) when (e.IsNotFound)
            {
                yield break; // no such container yet
            }

            foreach (var item in page.Items)
            {
                yield return new ObjectInfo(item.Name, item.Properties.ETag.ToString(), item.Properties.LastModified, item.Properties.ContentLength);
            }

            marker = page.ContinuationToken;
        }
        while (marker is not null);
    }
}
