using Azure.Data.Tables;
using Gale.Storage.Tables;

namespace Gale.Storage.Tests.Tables;

/// <summary>Limits against a real Azurite: the exact limit is stored, one past it fails before anything is sent.</summary>
public sealed class TableLimitsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task StringProperty_AtAndOver64KiB_StoredExactlyOrRejectedByName()
    {
        var table = await azurite.NewTableAsync();
        var atLimit = new string('é', TableLimits.MaxPropertyBytes / 2);
        await table.InsertAsync(new TableEntity("p", "ok") { ["Big"] = atLimit });

        var e = Assert.Throws<ArgumentException>(() => TableLimits.ValidateEntity(new TableEntity("p", "too") { ["Big"] = atLimit + "x" }, table.Name));
        var thrown = await Assert.ThrowsAsync<ArgumentException>(() => table.InsertAsync(new TableEntity("p", "too") { ["Big"] = atLimit + "x" }));

        Assert.Equal(atLimit, ((await table.GetEntityAsync<TableEntity>("p", "ok")).Value).GetString("Big"));
        Assert.Contains("property 'Big' is 65,538 bytes", e.Message, StringComparison.Ordinal);
        Assert.Equal(e.Message, thrown.Message);
        Assert.Null(await table.FindAsync("p", "too"));
    }

    [Fact]
    public async Task BinaryProperty_Over64KiB_Rejected()
    {
        var table = await azurite.NewTableAsync();
        await table.InsertAsync(new TableEntity("p", "ok") { ["Bin"] = new byte[TableLimits.MaxPropertyBytes] });

        var e = await Assert.ThrowsAsync<ArgumentException>(() => table.InsertAsync(new TableEntity("p", "too") { ["Bin"] = new byte[TableLimits.MaxPropertyBytes + 1] }));

        Assert.Equal(TableLimits.MaxPropertyBytes, ((await table.GetEntityAsync<TableEntity>("p", "ok")).Value).GetBinary("Bin")!.Length);
        Assert.Contains("'Bin' is 65,537 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entity_NearAndOver1MiB_StoredOrRejected()
    {
        var table = await azurite.NewTableAsync();
        var chunk = new byte[60 * 1024];
        var near = new TableEntity("p", "near");
        for (var i = 0; i < 16; i++) near[$"P{i}"] = chunk;  // 960 KiB
        var over = new TableEntity("p", "over");
        for (var i = 0; i < 18; i++) over[$"P{i}"] = chunk;  // 1080 KiB

        await table.InsertAsync(near);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => table.UpsertAsync(over, TableUpdateMode.Merge));

        Assert.Equal(16, (await table.GetEntityAsync<TableEntity>("p", "near")).Value.Keys.Count(k => k.StartsWith("P", StringComparison.Ordinal) && k != "PartitionKey"));
        Assert.Contains("the limit is 1,048,576 (1 MiB)", e.Message, StringComparison.Ordinal);
        Assert.Null(await table.FindAsync("p", "over"));
    }
}
