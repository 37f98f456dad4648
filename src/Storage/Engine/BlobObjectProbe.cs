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
}
