using Gale.Execution;
using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Engine;

public sealed class TableXComStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private async Task<TableXComStore> NewStoreAsync() =>
        new(await azurite.NewTableAsync(), await azurite.NewContainerAsync(), offloadThresholdBytes: 1024);

    [Fact]
    public async Task SetGet_SmallAndOffloadedValues_RoundTrip()
    {
        var store = await NewStoreAsync();
        var big = "\"" + new string('x', 5000) + "\"";

        await store.SetAsync(new XComKey("d", "r", "t", -1, "small"), "42");
        await store.SetAsync(new XComKey("d", "r", "t", -1, "big"), big);

        Assert.Equal("42", await store.GetAsync(new XComKey("d", "r", "t", -1, "small")));
        Assert.Equal(big, await store.GetAsync(new XComKey("d", "r", "t", -1, "big")));
        Assert.Null(await store.GetAsync(new XComKey("d", "r", "t", -1, "missing")));
    }

    [Fact]
    public async Task ListKeys_OneTaskInstance_ItsKeysOnlyInOrder()
    {
        var store = await NewStoreAsync();
        await store.SetAsync(new XComKey("d", "r", "t", -1, "zeta|pipe/slash"), "1");
        await store.SetAsync(new XComKey("d", "r", "t", -1, "alpha"), "\"" + new string('x', 3000) + "\"");
        await store.SetAsync(new XComKey("d", "r", "t", 0, "mapped"), "2");
        await store.SetAsync(new XComKey("d", "r", "t2", -1, "other task"), "3");

        Assert.Equal(["alpha", "zeta|pipe/slash"], await store.ListKeysAsync("d", "r", "t", -1));
        Assert.Equal(["mapped"], await store.ListKeysAsync("d", "r", "t", 0));
        Assert.Empty(await store.ListKeysAsync("d", "r", "none", -1));
    }

    [Fact]
    public async Task GetMapped_ElevenInstances_InMapIndexOrderNotTextOrder()
    {
        var store = await NewStoreAsync();
        foreach (var i in Enumerable.Range(0, 11).Reverse())
        {
            await store.SetAsync(new XComKey("d", "r", "m", i, "return_value"), i == 3 ? "\"" + new string('y', 3000) + "\"" : i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await store.SetAsync(new XComKey("d", "r", "m", -1, "return_value"), "\"unexpanded\"");
        await store.SetAsync(new XComKey("d", "r", "m", 5, "other"), "\"other key\"");

        var values = await store.GetMappedAsync("d", "r", "m", "return_value");

        Assert.Equal(11, values.Count);
        Assert.Equal(["0", "1", "2"], values.Take(3));
        Assert.Equal(3002, values[3].Length);
        Assert.Equal("10", values[10]);
    }

    [Fact]
    public async Task DeleteTaskInstance_RemovesItsValuesAndBlobs()
    {
        var store = await NewStoreAsync();
        await store.SetAsync(new XComKey("d", "r", "t", -1, "a"), "1");
        await store.SetAsync(new XComKey("d", "r", "t", -1, "b"), "\"" + new string('z', 4000) + "\"");
        await store.SetAsync(new XComKey("d", "r", "other", -1, "a"), "2");

        await store.DeleteTaskInstanceAsync("d", "r", "t", -1);

        Assert.Null(await store.GetAsync(new XComKey("d", "r", "t", -1, "a")));
        Assert.Null(await store.GetAsync(new XComKey("d", "r", "t", -1, "b")));
        Assert.Equal("2", await store.GetAsync(new XComKey("d", "r", "other", -1, "a")));
    }
}
