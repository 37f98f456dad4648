using Azure;
using Azure.Data.Tables;
using Gale.Storage.Tables;

namespace Gale.Storage.Tests.Tables;

public sealed class TableTransactionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Submit_HundredMixedActions_AllApplied()
    {
        var table = await azurite.NewTableAsync();
        await table.InsertAsync(new TableEntity("p", "merge") { ["A"] = 1, ["B"] = 1 });
        await table.InsertAsync(new TableEntity("p", "replace") { ["A"] = 1, ["B"] = 1 });
        await table.InsertAsync(new TableEntity("p", "delete"));
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpdateMerge, new TableEntity("p", "merge") { ["B"] = 2 }),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("p", "replace") { ["B"] = 2 }),
            new(TableTransactionActionType.Delete, new TableEntity("p", "delete")),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "upsert-merge") { ["C"] = 3 }),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "upsert-replace") { ["C"] = 3 }),
        };
        actions.AddRange(Enumerable.Range(0, 95).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"add{i:D3}") { ["I"] = i })));

        var etags = await table.SubmitAsync(actions);

        Assert.Equal(100, etags.Count);
        Assert.Equal(default, etags[2]);
        Assert.All(etags.Where((_, i) => i != 2), e => Assert.NotEqual(default, e));
        var merged = (await table.GetEntityAsync<TableEntity>("p", "merge")).Value;
        var replaced = (await table.GetEntityAsync<TableEntity>("p", "replace")).Value;
        Assert.Equal((1, 2), (merged.GetInt32("A"), merged.GetInt32("B")));
        Assert.False(replaced.ContainsKey("A"));
        Assert.Null(await table.FindAsync("p", "delete"));
        Assert.Equal(etags[0], merged.ETag);
        Assert.Equal(99, await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"p"}")).CountAsync());
    }

    [Fact]
    public async Task Submit_OneActionFails_WholeBatchRolledBack()
    {
        var table = await azurite.NewTableAsync();
        await table.InsertAsync(new TableEntity("p", "exists") { ["V"] = "original" });
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, new TableEntity("p", "new1")),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "upserted") { ["V"] = 1 }),
            new(TableTransactionActionType.Add, new TableEntity("p", "exists") { ["V"] = "overwritten" }),
            new(TableTransactionActionType.Add, new TableEntity("p", "new2")),
        };

        var e = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitAsync(actions));

        Assert.True(e.IsAlreadyExists());
        Assert.Equal(2, e.FailedTransactionActionIndex);
        Assert.Equal("original", ((await table.GetEntityAsync<TableEntity>("p", "exists")).Value).GetString("V"));
        Assert.Null(await table.FindAsync("p", "new1"));
        Assert.Null(await table.FindAsync("p", "upserted"));
        Assert.Null(await table.FindAsync("p", "new2"));
    }

    [Fact]
    public async Task Submit_StaleETagInBatch_ThrowsConflictAndChangesNothing()
    {
        var table = await azurite.NewTableAsync();
        var stale = await table.InsertAsync(new TableEntity("p", "a") { ["N"] = 1 });
        await table.UpdateAsync(new TableEntity("p", "a") { ["N"] = 2 }, stale, TableUpdateMode.Merge);
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.Add, new TableEntity("p", "b")),
            new(TableTransactionActionType.UpdateReplace, new TableEntity("p", "a") { ["N"] = 3 }, stale),
        };

        var e = await Assert.ThrowsAsync<TableTransactionFailedException>(() => table.SubmitAsync(actions));

        Assert.Equal(412, e.Status);
        Assert.True(e.IsConflict());
        Assert.Equal(1, e.FailedTransactionActionIndex);
        Assert.Null(await table.FindAsync("p", "b"));
        Assert.Equal(2, ((await table.GetEntityAsync<TableEntity>("p", "a")).Value).GetInt32("N"));
    }

    [Fact]
    public async Task Submit_MoreThan100Actions_RejectedBeforeSending()
    {
        var table = await azurite.NewTableAsync();
        var actions = Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", $"r{i}"))).ToList();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitAsync(actions));

        Assert.Contains("1 to 100 actions, got 101", e.Message, StringComparison.Ordinal);
        Assert.Empty(await table.QueryAsync<TableEntity>().ToListAsync());
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

        var e = await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitAsync(actions));

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

        var e = await Assert.ThrowsAsync<ArgumentException>(() => table.SubmitAsync(actions));

        Assert.Contains("RowKey 'r' a second time", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_DeleteWithETagAll_DeletesWhateverVersion()
    {
        var table = await azurite.NewTableAsync();
        await table.InsertAsync(new TableEntity("p", "a"));

        await table.SubmitAsync([new(TableTransactionActionType.Delete, new TableEntity("p", "a"), ETag.All)]);

        Assert.Null(await table.FindAsync("p", "a"));
    }
}
