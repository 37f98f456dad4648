using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Engine;

/// <summary>The table slot store on Azurite: racing takers, priority order, expiry.</summary>
public sealed class SlotStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task TryAcquire_SixteenTakersRacingForThreeSlots_ExactlyThreeWin()
    {
        var table = await azurite.NewTableAsync();
        var stores = Enumerable.Range(0, 16).Select(_ => new TableSlotStore(table)).ToList();
        var expires = DateTimeOffset.UtcNow.AddMinutes(5);

        var leases = await Task.WhenAll(stores.Select((s, i) => s.TryAcquireAsync("narrow", 3, 1, $"holder-{i}", 1, expires)));

        var won = leases.Where(l => l is not null).ToList();
        Assert.Equal(3, won.Count);
        Assert.Equal(3, won.SelectMany(l => l!.Slots.Keys).Distinct().Count());
        Assert.Equal(3, await stores[0].CountInUseAsync("narrow", DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task TryAcquire_FreedSlot_GoesToTheHighestPriorityWaiterAndBigRequestsWaitTheirTurn()
    {
        var store = new TableSlotStore(await azurite.NewTableAsync());
        var expires = DateTimeOffset.UtcNow.AddMinutes(5);
        var holder = await store.TryAcquireAsync("p", 1, 1, "holder", 1, expires);
        Assert.Null(await store.TryAcquireAsync("p", 1, 1, "low", 1, expires));
        Assert.Null(await store.TryAcquireAsync("p", 1, 1, "high", 9, expires));

        await store.ReleaseAsync(holder!);

        Assert.Null(await store.TryAcquireAsync("p", 1, 1, "low", 1, expires)); // free, but high is ahead
        var high = await store.TryAcquireAsync("p", 1, 1, "high", 9, expires);
        Assert.NotNull(high);
        await store.ReleaseAsync(high!);
        Assert.NotNull(await store.TryAcquireAsync("p", 1, 1, "low", 1, expires));
        Assert.Null(await store.TryAcquireAsync("p", 2, 3, "too_big", 1, expires)); // more than the pool has
    }

    [Fact]
    public async Task Renew_AfterExpiryAndTakeover_ReturnsNullAndReleaseLeavesTheNewHolder()
    {
        var store = new TableSlotStore(await azurite.NewTableAsync());
        var old = await store.TryAcquireAsync("p", 1, 1, "old", 1, DateTimeOffset.UtcNow.AddMilliseconds(-1)); // already expired
        var fresh = await store.TryAcquireAsync("p", 1, 1, "new", 1, DateTimeOffset.UtcNow.AddMinutes(5));

        Assert.NotNull(old);
        Assert.NotNull(fresh);
        Assert.Null(await store.RenewAsync(old!, DateTimeOffset.UtcNow.AddMinutes(5)));
        await store.ReleaseAsync(old!);
        Assert.Equal(1, await store.CountInUseAsync("p", DateTimeOffset.UtcNow));
    }
}
