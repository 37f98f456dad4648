using Gale.Storage.Engine;
using Gale.Triggers;

namespace Gale.Storage.Tests.Engine;

public sealed class TriggerStateStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task TrySet_CreateThenStaleVersions_OnlyTheCurrentVersionWins()
    {
        var store = new TableTriggerStateStore(await azurite.NewTableAsync());

        var v1 = await store.TrySetAsync("my.triggers", "cursor", "queue/a", "10", version: null);
        var duplicateCreate = await store.TrySetAsync("my.triggers", "cursor", "queue/a", "99", version: null);
        var v2 = await store.TrySetAsync("my.triggers", "cursor", "queue/a", "11", v1);
        var stale = await store.TrySetAsync("my.triggers", "cursor", "queue/a", "12", v1);

        Assert.NotNull(v1);
        Assert.Null(duplicateCreate);
        Assert.NotNull(v2);
        Assert.Null(stale);
        Assert.Equal(new TriggerStateEntry("11", v2!), await store.GetAsync("my.triggers", "cursor", "queue/a"));
        Assert.Null(await store.GetAsync("my.triggers", "cursor", "queue/b"));
        Assert.True(await store.DeleteAsync("my.triggers", "cursor", "queue/a"));
        Assert.Null(await store.GetAsync("my.triggers", "cursor", "queue/a"));
    }

    [Fact]
    public async Task TrySet_EightWritersIncrementing_NoUpdateIsLost()
    {
        var store = new TableTriggerStateStore(await azurite.NewTableAsync());
        await store.TrySetAsync("ns", "counter", "k", "0", null);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            for (var i = 0; i < 5; i++)
            {
                while (true)
                {
                    var current = (await store.GetAsync("ns", "counter", "k"))!;
                    if (await store.TrySetAsync("ns", "counter", "k", (int.Parse(current.Value, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), current.Version) is not null)
                    {
                        break;
                    }
                }
            }
        }));

        Assert.Equal("40", (await store.GetAsync("ns", "counter", "k"))!.Value);
    }
}

public sealed class BlobObjectProbeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task ExistsAsync_BlobPrefixAndMissingContainer_AnswerFromTheBlobService()
    {
        var name = "landing" + Guid.NewGuid().ToString("N")[..10];
        var probe = new BlobObjectProbe(azurite.Account);
        Assert.False(await probe.ExistsAsync(name, "2024/a.csv", isPrefix: false)); // no container yet

        var container = azurite.Account.GetBlobContainerClient(name);
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient("2024/a.csv").UploadAsync(BinaryData.FromString("x"), overwrite: true);

        Assert.True(await probe.ExistsAsync(name, "2024/a.csv", isPrefix: false));
        Assert.False(await probe.ExistsAsync(name, "2024/b.csv", isPrefix: false));
        Assert.True(await probe.ExistsAsync(name, "2024/", isPrefix: true));
        Assert.False(await probe.ExistsAsync(name, "2025/", isPrefix: true));
    }
}
