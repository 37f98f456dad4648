using Azure;
using Gale.Storage.Tables;

namespace Gale.Storage.Tests.Tables;

public sealed class TableClientTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task CreateIfNotExists_CalledTwice_CreatesOnce()
    {
        var table = azurite.Account.GetTableClient("t" + Guid.NewGuid().ToString("N")[..20]);
        Assert.True(await table.CreateIfNotExistsAsync());
        Assert.False(await table.CreateIfNotExistsAsync());
        Assert.True(await table.DeleteAsync());
        Assert.False(await table.DeleteAsync());
    }

    [Fact]
    public async Task AddThenGet_EveryPropertyType_RoundTripsExactly()
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
            ["NotANumber"] = double.NaN,
            ["Infinite"] = double.NegativeInfinity,
            ["Flag"] = true,
            ["When"] = when,
            ["Utc"] = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            ["Id"] = guid,
            ["Bytes"] = new byte[] { 0, 1, 2, 255 },
            ["Missing"] = null,
        };

        var etag = await table.AddEntityAsync(entity);
        var read = await table.GetEntityAsync("p", "r");

        Assert.NotEqual(default, etag);
        Assert.Equal(etag, read.ETag);
        Assert.NotNull(read.Timestamp);
        Assert.Equal("héllo <&> 'quoted' \"double\"", read["Text"]);
        Assert.Equal(int.MinValue, Assert.IsType<int>(read["Int"]));
        Assert.Equal(long.MaxValue, Assert.IsType<long>(read["Long"]));
        Assert.Equal(2.0, Assert.IsType<double>(read["Whole"]));
        Assert.Equal(0.1, Assert.IsType<double>(read["Fraction"]));
        Assert.True(double.IsNaN(Assert.IsType<double>(read["NotANumber"])));
        Assert.Equal(double.NegativeInfinity, Assert.IsType<double>(read["Infinite"]));
        Assert.Equal(true, read["Flag"]);
        Assert.Equal(when, read.GetDateTimeOffset("When"));
        Assert.Equal(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero), read.GetDateTimeOffset("Utc"));
        Assert.Equal(guid, read.GetGuid("Id"));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, read.GetBinary("Bytes"));
        Assert.False(read.ContainsKey("Missing"));
    }

    [Fact]
    public async Task AddEntity_AlreadyExists_ThrowsTypedConflict()
    {
        var table = await azurite.NewTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r"));

        var e = await Assert.ThrowsAsync<ConcurrencyConflictException>(() => table.AddEntityAsync(new TableEntity("p", "r")));

        Assert.True(e.AlreadyExists);
        Assert.Equal(409, e.Status);
        Assert.Equal("EntityAlreadyExists", e.ErrorCode);
        Assert.False(string.IsNullOrEmpty(e.RequestId));
    }

    [Fact]
    public async Task Upsert_MergeKeepsAndReplaceDrops_OtherProperties()
    {
        var table = await azurite.NewTableAsync();
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["A"] = 1, ["B"] = 2 });

        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["B"] = 20, ["C"] = 3 }, TableUpdateMode.Merge);
        var merged = await table.GetEntityAsync("p", "r");
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["C"] = 30 }, TableUpdateMode.Replace);
        var replaced = await table.GetEntityAsync("p", "r");

        Assert.Equal((1, 20, 3), (merged.GetInt32("A"), merged.GetInt32("B"), merged.GetInt32("C")));
        Assert.False(replaced.ContainsKey("A"));
        Assert.False(replaced.ContainsKey("B"));
        Assert.Equal(30, replaced.GetInt32("C"));
    }

    [Fact]
    public async Task UpdateEntity_StaleETag_ThrowsConflictAndKeepsStoredValue()
    {
        var table = await azurite.NewTableAsync();
        var stale = await table.AddEntityAsync(new TableEntity("p", "r") { ["N"] = 1 });
        var current = await table.UpdateEntityAsync(new TableEntity("p", "r") { ["N"] = 2 }, stale);

        var e = await Assert.ThrowsAsync<ConcurrencyConflictException>(
            () => table.UpdateEntityAsync(new TableEntity("p", "r") { ["N"] = 3 }, stale, TableUpdateMode.Replace));

        Assert.Equal(412, e.Status);
        Assert.False(e.AlreadyExists);
        var read = await table.GetEntityAsync("p", "r");
        Assert.Equal(2, read.GetInt32("N"));
        Assert.Equal(current, read.ETag);
    }

    [Fact]
    public async Task UpdateEntity_Missing_ThrowsNotFound()
    {
        var table = await azurite.NewTableAsync();

        var e = await Assert.ThrowsAsync<StorageException>(() => table.UpdateEntityAsync(new TableEntity("p", "nope"), ETag.All));

        Assert.True(e.IsNotFound);
        Assert.IsNotType<ConcurrencyConflictException>(e);
    }

    [Fact]
    public async Task DeleteEntity_StaleETagConflicts_CurrentDeletes_MissingReturnsFalse()
    {
        var table = await azurite.NewTableAsync();
        var stale = await table.AddEntityAsync(new TableEntity("p", "r") { ["N"] = 1 });
        var current = await table.UpdateEntityAsync(new TableEntity("p", "r") { ["N"] = 2 }, stale);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => table.DeleteEntityAsync("p", "r", stale));
        Assert.True(await table.DeleteEntityAsync("p", "r", current));
        Assert.False(await table.DeleteEntityAsync("p", "r"));
        Assert.Null(await table.GetEntityIfExistsAsync("p", "r"));
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
        await table.AddEntityAsync(new TableEntity(partitionKey, rowKey) { ["V"] = 1 });
        await table.AddEntityAsync(new TableEntity(partitionKey + "x", rowKey) { ["V"] = 99 });

        var read = await table.GetEntityAsync(partitionKey, rowKey);
        await table.UpdateEntityAsync(new TableEntity(partitionKey, rowKey) { ["V"] = 2 }, read.ETag);
        var queried = await table.QueryAsync(TableFilter.Create($"PartitionKey eq {partitionKey} and RowKey eq {rowKey}")).ToListAsync();
        var deleted = await table.DeleteEntityAsync(partitionKey, rowKey);

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
            await table.AddEntityAsync(new TableEntity("p", $"r{i:D2}") { ["N"] = i, ["Extra"] = "x" });
        }

        var page = await table.QueryPageAsync(TableFilter.Create($"N ge {3}"), select: ["N"], top: 4);
        var all = await table.QueryAsync(TableFilter.Create($"N ge {3}")).ToListAsync();

        Assert.Equal([3, 4, 5, 6], page.Items.Select(e => e.GetInt32("N")!.Value));
        Assert.All(page.Items, e => Assert.False(e.ContainsKey("Extra")));
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
            await table.SubmitTransactionAsync(actions);
        }

        var firstPage = await table.QueryPageAsync(TableFilter.PartitionKeyEquals("bulk"));
        var all = await table.QueryAsync(TableFilter.PartitionKeyEquals("bulk")).ToListAsync();
        var pagesOf300 = 0;
        string? token = null;
        do
        {
            var page = await table.QueryPageAsync(TableFilter.PartitionKeyEquals("bulk"), top: 300, continuationToken: token);
            token = page.ContinuationToken;
            pagesOf300++;
        }
        while (token is not null);

        Assert.Equal(1000, firstPage.Items.Count);
        Assert.NotNull(firstPage.ContinuationToken);
        Assert.Equal(Enumerable.Range(0, count), all.Select(e => e.GetInt32("I")!.Value));
        Assert.InRange(pagesOf300, 5, 6);
    }

    [Fact]
    public async Task SixteenWriters_RacingOnOneEntity_ExactlyOneWinsEachRound()
    {
        var table = await azurite.NewTableAsync();
        await table.AddEntityAsync(new TableEntity("race", "counter") { ["N"] = 0 });
        const int rounds = 10;
        const int writers = 16;

        for (var round = 0; round < rounds; round++)
        {
            var snapshot = await table.GetEntityAsync("race", "counter");
            var start = new TaskCompletionSource();
            var attempts = Enumerable.Range(0, writers).Select(async w =>
            {
                await start.Task;
                try
                {
                    await table.UpdateEntityAsync(new TableEntity("race", "counter") { ["N"] = snapshot.GetInt32("N")!.Value + 1, ["Writer"] = w }, snapshot.ETag);
                    return true;
                }
                catch (ConcurrencyConflictException e) when (e.Status == 412)
                {
                    return false;
                }
            }).ToList();
            start.SetResult();
            var results = await Task.WhenAll(attempts);

            Assert.Equal(1, results.Count(won => won));
            Assert.Equal(writers - 1, results.Count(won => !won));
        }

        Assert.Equal(rounds, (await table.GetEntityAsync("race", "counter")).GetInt32("N"));
    }
}
