using Gale.Assets;
using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Engine;

public sealed class AssetEventStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Add_SameIdsFromEightRacingWriters_EachStoredOnceAndListedInOrder()
    {
        var store = new TableAssetEventStore(await azurite.NewTableAsync());
        const string uri = "wasb://landing/sales/";
        var added = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            foreach (var i in Enumerable.Range(0, 50))
            {
                if (await store.AddAsync(new AssetEvent($"blob:sales/{i:D3}.csv@v1", uri, AssetEventSource.Watcher, T0.AddSeconds(i)) { Watcher = "landing", Extra = $$"""{"size": {{i}}}""" }))
                {
                    Interlocked.Increment(ref added);
                }
            }
        }));

        var all = await store.ListAsync(uri, T0);
        var later = await store.ListAsync(uri, T0.AddSeconds(40));

        Assert.Equal(50, added);
        Assert.Equal(50, all.Count);
        Assert.Equal(all.OrderBy(e => e.Timestamp).Select(e => e.Id), all.Select(e => e.Id));
        Assert.Equal(10, later.Count);
        Assert.Equal(("landing", AssetEventSource.Watcher, """{"size": 49}"""), (later[^1].Watcher, later[^1].Source, later[^1].Extra));
        Assert.Empty(await store.ListAsync("wasb://landing/other/", T0));
    }
}
