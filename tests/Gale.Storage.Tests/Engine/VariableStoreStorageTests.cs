using Gale.Secrets;
using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Engine;

/// <summary>The variables table on a real Azurite.</summary>
public sealed class VariableStoreStorageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task VariableStore_SetGetListDelete_RoundTripsLargeValuesAndDescriptions()
    {
        var store = new TableVariableStore(await azurite.NewTableAsync());
        var large = string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{i},"));

        await store.SetAsync(new Variable("rows", large, "row ids"));
        await store.SetAsync(new Variable("Region/Name?", "westeurope"));
        await store.SetAsync(new Variable("rows", large + "end", "row ids v2"));

        Assert.Equal(new Variable("rows", large + "end", "row ids v2"), await store.GetAsync("rows"));
        Assert.Equal(["Region/Name?", "rows"], (await store.ListAsync()).Select(v => v.Key));
        Assert.True(await store.DeleteAsync("rows"));
        Assert.False(await store.DeleteAsync("rows"));
        Assert.Null(await store.GetAsync("rows"));
    }
}
