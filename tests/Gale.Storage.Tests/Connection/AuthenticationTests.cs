namespace Gale.Storage.Tests.Connection;

public sealed class AuthenticationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task ConnectionString_FromServer_ReachesAllThreeServices()
    {
        var account = new StorageAccountClient(azurite.Server.ConnectionString);
        var name = "a" + Guid.NewGuid().ToString("N")[..16];

        Assert.NotNull((await account.GetTableClient(name).CreateIfNotExistsAsync()).Value);
        Assert.NotNull(await account.GetQueueClient(name).CreateIfNotExistsAsync());
        Assert.NotNull(await account.GetBlobContainerClient(name).CreateIfNotExistsAsync());
    }

    [Fact]
    public async Task WrongAccountKey_EveryService_Returns403()
    {
        var good = azurite.Server.Connection;
        var account = new StorageAccountClient(
            StorageConnection.WithAccountKey(StorageConnection.DevelopmentAccountName, Convert.ToBase64String(new byte[64]), good.BlobEndpoint, good.QueueEndpoint, good.TableEndpoint),
            new StorageClientOptions { MaxRetries = 0 });
        var name = "w" + Guid.NewGuid().ToString("N")[..16];

        var table = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => account.GetTableClient(name).CreateIfNotExistsAsync());
        var queue = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => account.GetQueueClient(name).CreateIfNotExistsAsync());
        var blob = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => account.GetBlobContainerClient(name).CreateIfNotExistsAsync());

        Assert.Equal(403, table.Status);
        Assert.Equal(403, queue.Status);
        Assert.Equal(403, blob.Status);
        Assert.Equal("AuthorizationFailure", blob.ErrorCode);
    }
}
