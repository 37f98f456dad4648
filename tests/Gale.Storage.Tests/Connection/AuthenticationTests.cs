namespace Gale.Storage.Tests.Connection;

public sealed class AuthenticationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task ConnectionString_FromServer_ReachesAllThreeServices()
    {
        var account = new StorageAccountClient(azurite.Server.ConnectionString);
        var name = "a" + Guid.NewGuid().ToString("N")[..16];

        Assert.True(await account.GetTableClient(name).CreateIfNotExistsAsync());
        Assert.True(await account.GetQueueClient(name).CreateIfNotExistsAsync());
        Assert.True(await account.GetBlobContainerClient(name).CreateIfNotExistsAsync());
    }

    [Fact]
    public async Task WrongAccountKey_EveryService_Returns403()
    {
        var wrong = new StorageSharedKeyCredential(StorageConnection.DevelopmentAccountName, Convert.ToBase64String(new byte[64]));
        var good = azurite.Server.Connection;
        var account = new StorageAccountClient(StorageConnection.WithSharedKey(wrong, good.BlobEndpoint, good.QueueEndpoint, good.TableEndpoint));
        var name = "w" + Guid.NewGuid().ToString("N")[..16];

        var table = await Assert.ThrowsAsync<StorageException>(() => account.GetTableClient(name).CreateIfNotExistsAsync());
        var queue = await Assert.ThrowsAsync<StorageException>(() => account.GetQueueClient(name).CreateIfNotExistsAsync());
        var blob = await Assert.ThrowsAsync<StorageException>(() => account.GetBlobContainerClient(name).CreateIfNotExistsAsync());

        Assert.Equal(403, table.Status);
        Assert.Equal(403, queue.Status);
        Assert.Equal(403, blob.Status);
        Assert.Equal("AuthorizationFailure", blob.ErrorCode);
    }
}
