using Azure;
using Azure.Data.Tables;
using Gale.Storage.Tables;

namespace Gale.Storage.Tests.Tables;

/// <summary>The SDK's TableClient as Gale uses it (through TableOperations), on a real Azurite.</summary>
public sealed class TableClientTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task CreateIfNotExists_CalledTwice_CreatesOnce()
    {
        var table = azurite.Account.GetTableClient("t" + Guid.NewGuid().ToString("N")[..20]);
        Assert.Equal(204, (await table.CreateIfNotExistsAsync()).GetRawResponse().Status);
        Assert.Equal(409, (await table.CreateIfNotExistsAsync()).GetRawResponse().Status);
        Assert.Equal(204, (await table.DeleteAsync()).Status);
        Assert.Equal(404, (await table.DeleteAsync()).Status);
    }

    [Fact]
    public async Task InsertThenGet_EveryPropertyType_RoundTripsExactly()
    {
        var table = await azurite.NewTableAsync();
        var when = new DateTimeOffset(2024, 2, 29, 23, 59, 58, 123, TimeSpan.Zero).AddTicks(4567);
        var guid = Guid.NewGuid();
        var entity = new TableEntity("p", "r")
        {
            ["Text"] = "héllo <&> 'quoted' \"double\"",
            ["Int"] = int.MinValue,
            ["Long"] = long.MaxValue,
            ["Whole"] = 2.0,
            ["Fraction"] = 0.1,
            ["Flag"] = true,
            ["When"] = when,
            ["Utc"] = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            ["Id"] = guid,
            ["Bytes"] = new byte[] { 0, 1, 2, 255 },
            ["Missing"] = null,
        };

        var etag = await table.InsertAsync(entity);
        var read = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;

        Assert.NotEqual(default, etag);
        Assert.Equal(etag, read.ETag);
        Assert.NotNull(read.Timestamp);
        Assert.Equal("héllo <&> 'quoted' \"double\"", read["Text"]);
        Assert.Equal(int.MinValue, Assert.IsType<int>(read["Int"]));
        Assert.Equal(long.MaxValue, Assert.IsType<long>(read["Long"]));
        Assert.Equal(2.0, Assert.IsType<double>(read["Whole"]));
        Assert.Equal(0.1, Assert.IsType<double>(read["Fraction"]));
        Assert.Equal(true, read["Flag"]);
        Assert.Equal(when, read.GetDateTimeOffset("When"));
        Assert.Equal(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero), read.GetDateTimeOffset("Utc"));
        Assert.Equal(guid, read.GetGuid("Id"));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, read.GetBinary("Bytes"));
        Assert.False(read.ContainsKey("Missing"));
    }

    [Fact]
    public async Task InsertAsync_AlreadyExists_ThrowsConflict()
    {
        var table = await azurite.NewTableAsync();
        await table.InsertAsync(new TableEntity("p", "r"));

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => table.InsertAsync(new TableEntity("p", "r")));

        Assert.True(e.IsConflict());
        Assert.True(e.IsAlreadyExists());
        Assert.Equal(409, e.Status);
        Assert.Equal("EntityAlreadyExists", e.ErrorCode);
    }

    [Fact]
    public async Task UpsertAsync_MergeKeepsAndReplaceDrops_OtherProperties()
    {
        var table = await azurite.NewTableAsync();
        await table.UpsertAsync(new TableEntity("p", "r") { ["A"] = 1, ["B"] = 2 }, TableUpdateMode.Merge);

        await table.UpsertAsync(new TableEntity("p", "r") { ["B"] = 20, ["C"] = 3 }, TableUpdateMode.Merge);
        var merged = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;
        await table.UpsertAsync(new TableEntity("p", "r") { ["C"] = 30 }, TableUpdateMode.Replace);
        var replaced = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;

        Assert.Equal((1, 20, 3), (merged.GetInt32("A"), merged.GetInt32("B"), merged.GetInt32("C")));
        Assert.False(replaced.ContainsKey("A"));
        Assert.False(replaced.ContainsKey("B"));
        Assert.Equal(30, replaced.GetInt32("C"));
    }

    [Fact]
    public async Task UpdateAsync_StaleETag_ThrowsConflictAndKeepsStoredValue()
    {
        var table = await azurite.NewTableAsync();
        var stale = await table.InsertAsync(new TableEntity("p", "r") { ["N"] = 1 });
        var current = await table.UpdateAsync(new TableEntity("p", "r") { ["N"] = 2 }, stale, TableUpdateMode.Merge);

        var e = await Assert.ThrowsAsync<RequestFailedException>(
            () => table.UpdateAsync(new TableEntity("p", "r") { ["N"] = 3 }, stale, TableUpdateMode.Replace));

        Assert.Equal(412, e.Status);
        Assert.True(e.IsConflict());
        Assert.False(e.IsAlreadyExists());
        var read = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;
        Assert.Equal(2, read.GetInt32("N"));
        Assert.Equal(current, read.ETag);
    }

    [Fact]
    public async Task UpdateAsync_Missing_ThrowsNotFound()
    {
        var table = await azurite.NewTableAsync();

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => table.UpdateAsync(new TableEntity("p", "nope"), ETag.All, TableUpdateMode.Merge));

        Assert.True(e.IsNotFound());
        Assert.False(e.IsConflict());
    }

    [Fact]
    public async Task DeleteIfExistsAsync_StaleETagConflicts_CurrentDeletes_MissingReturnsFalse()
    {
        var table = await azurite.NewTableAsync();
        var stale = await table.InsertAsync(new TableEntity("p", "r") { ["N"] = 1 });
        var current = await table.UpdateAsync(new TableEntity("p", "r") { ["N"] = 2 }, stale, TableUpdateMode.Merge);

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => table.DeleteIfExistsAsync("p", "r", stale));
        Assert.True(e.IsConflict());
        Assert.True(await table.DeleteIfExistsAsync("p", "r", current));
        Assert.False(await table.DeleteIfExistsAsync("p", "r"));
        Assert.Null(await table.FindAsync("p", "r"));
    }

    [Theory]
    [InlineData("it's", "a''b")]
    [InlineData("with space", "plus+and&amp=eq")]
    [InlineData("percent%20", "colon:semi;comma,")]
    [InlineData("ünïcødé ✓", "日本語")]
    [InlineData("", "empty-partition")]
    [InlineData("parens()[]{}", "at@dollar$bang!")]
    public async Task Keys_NeedingEscaping_WorkForEveryOperation(string partitionKey, string rowKey)
    {
        var table = await azurite.NewTableAsync();
        await table.InsertAsync(new TableEntity(partitionKey, rowKey) { ["V"] = 1 });
        await table.InsertAsync(new TableEntity(partitionKey + "x", rowKey) { ["V"] = 99 });

        var read = (await table.GetEntityAsync<TableEntity>(partitionKey, rowKey)).Value;
        await table.UpdateAsync(new TableEntity(partitionKey, rowKey) { ["V"] = 2 }, read.ETag, TableUpdateMode.Merge);
        var queried = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partitionKey} and RowKey eq {rowKey}")).ToListAsync();
        var deleted = await table.DeleteIfExistsAsync(partitionKey, rowKey);

        Assert.Equal((partitionKey, rowKey), (read.PartitionKey, read.RowKey));
        Assert.Equal(2, Assert.Single(queried).GetInt32("V"));
        Assert.True(deleted);
    }

    [Fact]
    public async Task Query_FilterSelectTop_ReturnsRequestedShape()
    {
        var table = await azurite.NewTableAsync();
        for (var i = 0; i < 10; i++)
        {
            await table.InsertAsync(new TableEntity("p", $"r{i:D2}") { ["N"] = i, ["Extra"] = "x" });
        }

        var page = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"N ge {3}"), maxPerPage: 4, select: ["N"]).AsPages().FirstAsync();
        var all = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"N ge {3}")).ToListAsync();

        Assert.Equal([3, 4, 5, 6], page.Values.Select(e => e.GetInt32("N")!.Value));
        Assert.All(page.Values, e => Assert.False(e.ContainsKey("Extra")));
        Assert.NotNull(page.ContinuationToken);
        Assert.Equal(7, all.Count);
    }

    [Fact]
    public async Task Query_MoreThan1000Entities_FollowsContinuationTokens()
    {
        var table = await azurite.NewTableAsync();
        const int count = 1234;
        for (var start = 0; start < count; start += 100)
        {
            var actions = Enumerable.Range(start, Math.Min(100, count - start))
                .Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("bulk", $"{i:D5}") { ["I"] = i }))
                .ToList();
            await table.SubmitAsync(actions);
        }

        var bulk = TableClient.CreateQueryFilter($"PartitionKey eq {"bulk"}");
        var firstPage = await table.QueryAsync<TableEntity>(bulk).AsPages().FirstAsync();
        var all = await table.QueryAsync<TableEntity>(bulk).ToListAsync();
        var pagesOf300 = 0;
        string? token = null;
        do
        {
            var page = await table.QueryAsync<TableEntity>(bulk, maxPerPage: 300).AsPages(token).FirstAsync();
            token = page.ContinuationToken;
            pagesOf300++;
        }
        while (token is not null);

        Assert.Equal(1000, firstPage.Values.Count);
        Assert.NotNull(firstPage.ContinuationToken);
        Assert.Equal(Enumerable.Range(0, count), all.Select(e => e.GetInt32("I")!.Value));
        Assert.InRange(pagesOf300, 5, 6);
    }

    [Fact]
    public async Task SixteenWriters_RacingOnOneEntity_ExactlyOneWinsEachRound()
    {
        var table = await azurite.NewTableAsync();
        await table.InsertAsync(new TableEntity("race", "counter") { ["N"] = 0 });
        const int rounds = 10;
        const int writers = 16;

        for (var round = 0; round < rounds; round++)
        {
            var snapshot = (await table.GetEntityAsync<TableEntity>("race", "counter")).Value;
            var start = new TaskCompletionSource();
            var attempts = Enumerable.Range(0, writers).Select(async w =>
            {
                await start.Task;
                try
                {
                    await table.UpdateAsync(new TableEntity("race", "counter") { ["N"] = snapshot.GetInt32("N")!.Value + 1, ["Writer"] = w }, snapshot.ETag, TableUpdateMode.Merge);
                    return true;
                }
                catch (RequestFailedException e) when (e.Status == 412 && e.IsConflict())
                {
                    return false;
                }
            }).ToList();
            start.SetResult();
            var results = await Task.WhenAll(attempts);

            Assert.Equal(1, results.Count(won => won));
            Assert.Equal(writers - 1, results.Count(won => !won));
        }

        Assert.Equal(rounds, ((await table.GetEntityAsync<TableEntity>("race", "counter")).Value).GetInt32("N"));
    }
}
