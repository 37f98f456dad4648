using Azure;
using Gale.Storage.Tables;

namespace Gale.Storage.Tests.Tables;

public sealed class TableTransactionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Submit_HundredMixedActions_AllApplied()
    {
        var table = await azurite.NewTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "merge") { ["A"] = 1, ["B"] = 1 });
        await table.AddEntityAsync(new TableEntity("p", "replace") { ["A"] = 1, ["B"] = 1 });
        await table.AddEntityAsync(new TableEntity("p", "delete"));
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "merge") { ["B"] = 2 }),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("p", "replace") { ["B"] = 2 }),
            new(TableTransactionActionType.Delete, new TableEntity("p", "delete")),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "upsert-merge") { ["C"] = 3 }),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "upsert-replace") { ["C"] = 3 }),
        };
        actions.AddRange(Enumerable.Range(0, 95).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"add{i:D3}") { ["I"] = i })));

        var etags = await table.SubmitTransactionAsync(actions);

        Assert.Equal(100, etags.Count);
        Assert.Equal(default, etags[2]);
        Assert.All(etags.Where((_, i) => i != 2), e => Assert.NotEqual(default, e));
        var merged = await table.GetEntityAsync("p", "merge");
        var replaced = await table.GetEntityAsync("p", "replace");
        Assert.Equal((1, 2), (merged.GetInt32("A"), merged.GetInt32("B")));
        Assert.False(replaced.ContainsKey("A"));
        Assert.Null(await table.GetEntityIfExistsAsync("p", "delete"));
        Assert.Equal(etags[0], merged.ETag);
        Assert.Equal(99, await table.QueryAsync(TableFilter.PartitionKeyEquals("p")).CountAsync());
    }

    [Fact]
    public async Task Submit_OneActionFails_WholeBatchRolledBack()
    {
        var table = await azurite.NewTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "exists") { ["V"] = "original" });
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, new TableEntity("p", "new1")),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "upserted") { ["V"] = 1 }),
            new(TableTransactionActionType.Add, new TableEntity("p", "exists") { ["V"] = "overwritten" }),
            new(TableTransactionActionType.Add, new TableEntity("p", "new2")),
        };

        var e = await Assert.ThrowsAsync<ConcurrencyConflictException>(() => table.SubmitTransactionAsync(actions));

        Assert.True(e.AlreadyExists);
        Assert.Equal(2, e.FailedActionIndex);
        Assert.Equal("original", (await table.GetEntityAsync("p", "exists")).GetString("V"));
        Assert.Null(await table.GetEntityIfExistsAsync("p", "new1"));
        Assert.Null(await table.GetEntityIfExistsAsync("p", "upserted"));
        Assert.Null(await table.GetEntityIfExistsAsync("p", "new2"));
    }

    [Fact]
    public async Task Submit_StaleETagInBatch_ThrowsConflictAndChangesNothing()
    {
        var table = await azurite.NewTableAsync();
        var stale = await table.AddEntityAsync(new TableEntity("p", "a") { ["N"] = 1 });
        await table.UpdateEntityAsync(new TableEntity("p", "a") { ["N"] = 2 }, stale);
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, new TableEntity("p", "b")),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("p", "a") { ["N"] = 3 }, stale),
        };

        var e = await Assert.ThrowsAsync<ConcurrencyConflictException>(() => table.SubmitTransactionAsync(actions));

        Assert.Equal(412, e.Status);
        Assert.Equal(1, e.FailedActionIndex);
        Assert.Null(await table.GetEntityIfExistsAsync("p", "b"));
        Assert.Equal(2, (await table.GetEntityAsync("p", "a")).GetInt32("N"));
    }

    [Fact]
    public async Task Submit_MoreThan100Actions_RejectedBeforeSending()
    {
        var table = await azurite.NewTableAsync();
        var actions = Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i}"))).ToList();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync(actions));

        Assert.Contains("1 to 100 actions, got 101", e.Message, StringComparison.Ordinal);
        Assert.Empty(await table.QueryAsync().ToListAsync());
    }

    [Fact]
    public async Task Submit_TwoPartitions_RejectedWithClearError()
    {
        var table = await azurite.NewTableAsync();
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, new TableEntity("p1", "r")),
            new(TableTransactionActionType.Add, new TableEntity("p2", "r")),
        };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync(actions));

        Assert.Contains("action 1 is in partition 'p2'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_SameEntityTwice_RejectedWithClearError()
    {
        var table = await azurite.NewTableAsync();
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, new TableEntity("p", "r")),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "r")),
        };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitTransactionAsync(actions));

        Assert.Contains("RowKey 'r' a second time", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_DeleteWithETagAll_DeletesWhateverVersion()
    {
        var table = await azurite.NewTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "a"));

        await table.SubmitTransactionAsync([new(TableTransactionActionType.Delete, new TableEntity("p", "a"), ETag.All)]);

        Assert.Null(await table.GetEntityIfExistsAsync("p", "a"));
    }
}
