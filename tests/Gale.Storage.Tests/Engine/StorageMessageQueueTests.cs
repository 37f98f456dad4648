using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Engine;

/// <summary>The Azure Storage queue behind task message queues and queue watchers, on a real Azurite.</summary>
public sealed class StorageMessageQueueTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task LongDelay_BeyondSevenDays_ChainedUntilDueThenDeliveredOnce()
    {
        var clock = new Gale.InMemory.ManualTimeProvider(DateTimeOffset.UtcNow);
        var raw = await azurite.NewQueueAsync(Azure.Storage.Queues.QueueMessageEncoding.None);
        var chained = await azurite.NewQueueAsync(Azure.Storage.Queues.QueueMessageEncoding.None);
        var queue = new StorageMessageQueue(raw, clock);

        await new StorageMessageQueue(chained, clock).SendAsync("eight days", TimeSpan.FromDays(8));
        // A chained timer whose 7-day leg has elapsed but is due a day later, and one that is due now.
        await raw.SendMessageAsync($"{{\"gale_due\":\"{clock.GetUtcNow().AddDays(1):O}\",\"body\":\"later\"}}");
        var notYet = await queue.ReceiveAsync(32, TimeSpan.FromSeconds(30));
        var rehidden = (await raw.PeekMessagesAsync(32)).Value;
        await raw.SendMessageAsync($"{{\"gale_due\":\"{clock.GetUtcNow().AddSeconds(-1):O}\",\"body\":\"now\"}}");
        var due = await queue.ReceiveAsync(32, TimeSpan.FromSeconds(30));
        var again = await queue.ReceiveAsync(32, TimeSpan.FromSeconds(30));

        Assert.Empty((await chained.PeekMessagesAsync(32)).Value);
        Assert.Equal(1, (await chained.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Empty(notYet);
        Assert.Empty(rehidden);
        Assert.Equal("now", Assert.Single(due).Body);
        Assert.Empty(again);
    }
}
