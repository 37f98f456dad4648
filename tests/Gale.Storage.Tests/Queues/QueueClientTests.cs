using Azure;
using Azure.Storage.Queues;
using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Queues;

/// <summary>The SDK's QueueClient doing what Gale relies on (visibility timeouts, pop receipts, TTLs, limits), on a real Azurite.</summary>
public sealed class QueueClientTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task CreateIfNotExists_CalledTwice_CreatesOnce()
    {
        var queue = azurite.Account.GetQueueClient("q" + Guid.NewGuid().ToString("N")[..20]);
        Assert.NotNull(await queue.CreateIfNotExistsAsync());
        Assert.Null(await queue.CreateIfNotExistsAsync());
        Assert.True((await queue.DeleteIfExistsAsync()).Value);
        Assert.False((await queue.DeleteIfExistsAsync()).Value);
    }

    [Theory]
    [InlineData(QueueMessageEncoding.Base64)]
    [InlineData(QueueMessageEncoding.None)]
    public async Task SendReceiveDelete_RoundTripsTextAndEmptiesQueue(QueueMessageEncoding encoding)
    {
        var queue = await azurite.NewQueueAsync(encoding);
        const string text = "{\"run\":\"r1\",\"xml\":\"<a>&amp;</a>\",\"emoji\":\"✓ 日本\"}";

        var receipt = (await queue.SendMessageAsync(text)).Value;
        var received = Assert.Single((await queue.ReceiveMessagesAsync(maxMessages: 5, TimeSpan.FromSeconds(30))).Value);
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);

        Assert.Equal(receipt.MessageId, received.MessageId);
        Assert.Equal(text, received.Body.ToString());
        Assert.Equal(1, received.DequeueCount);
        Assert.Empty((await queue.PeekMessagesAsync(32)).Value);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task ReceiveMessages_ManyAtOnce_ReturnsUpTo32AndCountsMatch()
    {
        var queue = await azurite.NewQueueAsync();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => queue.SendMessageAsync($"m{i}")));

        var count = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        var batch = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value;
        var rest = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value;

        Assert.Equal(40, count);
        Assert.Equal(32, batch.Length);
        Assert.Equal(8, rest.Length);
        Assert.Equal(40, batch.Concat(rest).Select(m => m.Body.ToString()).Distinct().Count());
    }

    [Fact]
    public async Task SendMessage_WithVisibilityDelay_HiddenUntilDelayPasses()
    {
        var queue = await azurite.NewQueueAsync();
        await queue.SendMessageAsync("later", visibilityTimeout: TimeSpan.FromSeconds(2));

        var early = (await queue.ReceiveMessagesAsync(1)).Value;
        var peeked = (await queue.PeekMessagesAsync(1)).Value;
        await Task.Delay(TimeSpan.FromSeconds(3));
        var late = (await queue.ReceiveMessagesAsync(1)).Value;

        Assert.Empty(early);
        Assert.Empty(peeked);
        Assert.Equal("later", Assert.Single(late).Body.ToString());
    }

    [Fact]
    public async Task VisibilityTimeout_Expires_MessageRedeliveredAndOldReceiptStale()
    {
        var queue = await azurite.NewQueueAsync();
        await queue.SendMessageAsync("work");

        var first = Assert.Single((await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1))).Value);
        Assert.Empty((await queue.ReceiveMessagesAsync(1)).Value);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var second = Assert.Single((await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30))).Value);
        var stale = await Assert.ThrowsAsync<RequestFailedException>(() => queue.DeleteMessageAsync(first.MessageId, first.PopReceipt));
        await queue.DeleteMessageAsync(second.MessageId, second.PopReceipt);

        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(2, second.DequeueCount);
        Assert.Equal((400, "PopReceiptMismatch"), (stale.Status, stale.ErrorCode));
        Assert.Empty((await queue.PeekMessagesAsync(1)).Value);
    }

    [Fact]
    public async Task UpdateMessage_Heartbeat_KeepsMessageHiddenAndReturnsNewReceipt()
    {
        var queue = await azurite.NewQueueAsync();
        await queue.SendMessageAsync("long task");
        var received = Assert.Single((await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1))).Value);

        var update = (await queue.UpdateMessageAsync(received.MessageId, received.PopReceipt, visibilityTimeout: TimeSpan.FromSeconds(30))).Value;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var whileHidden = (await queue.ReceiveMessagesAsync(1)).Value;
        await queue.DeleteMessageAsync(received.MessageId, update.PopReceipt);

        Assert.NotEqual(received.PopReceipt, update.PopReceipt);
        Assert.True(update.NextVisibleOn > DateTimeOffset.UtcNow.AddSeconds(20));
        Assert.Empty(whileHidden);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task UpdateMessage_NewText_ReplacesContent()
    {
        var queue = await azurite.NewQueueAsync();
        await queue.SendMessageAsync("v1");
        var received = Assert.Single((await queue.ReceiveMessagesAsync(1)).Value);

        await queue.UpdateMessageAsync(received.MessageId, received.PopReceipt, "v2", TimeSpan.Zero);
        var again = Assert.Single((await queue.ReceiveMessagesAsync(1)).Value);

        Assert.Equal("v2", again.Body.ToString());
    }

    [Fact]
    public async Task PeekMessages_DoesNotHideOrCountDequeue()
    {
        var queue = await azurite.NewQueueAsync();
        await queue.SendMessageAsync("a");

        var peek1 = Assert.Single((await queue.PeekMessagesAsync(5)).Value);
        var peek2 = Assert.Single((await queue.PeekMessagesAsync(5)).Value);

        Assert.Equal("a", peek1.Body.ToString());
        Assert.Equal(peek1.MessageId, peek2.MessageId);
        Assert.Equal(0, peek2.DequeueCount);
    }

    [Fact]
    public async Task SendMessage_TimeToLive_ExpiredMessageDisappears()
    {
        var queue = await azurite.NewQueueAsync();
        var receipt = (await queue.SendMessageAsync("short-lived", timeToLive: TimeSpan.FromSeconds(1))).Value;

        await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.InRange(receipt.ExpirationTime - receipt.InsertionTime, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2));
        Assert.Empty((await queue.ReceiveMessagesAsync(1)).Value);
    }

    [Fact]
    public async Task StorageMessageQueue_AtLimitSentAndOneOverRejectedNamingTheQueue()
    {
        var client = await azurite.NewQueueAsync();
        var queue = new StorageMessageQueue(client, TimeProvider.System);
        var atLimit = new string('a', 48 * 1024); // 64 KiB once base64-encoded

        await queue.SendAsync(atLimit);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => queue.SendAsync(atLimit + "aaaa"));

        Assert.Equal(atLimit, Assert.Single((await client.ReceiveMessagesAsync(1)).Value).Body.ToString());
        Assert.Contains("at most 65,536 bytes (64 KiB)", e.Message, StringComparison.Ordinal);
        Assert.Contains(client.Name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StorageMessageQueue_SubSecondDelay_NeverDeliveredEarly()
    {
        var client = await azurite.NewQueueAsync();
        var queue = new StorageMessageQueue(client, TimeProvider.System);

        await queue.SendAsync("soon", TimeSpan.FromSeconds(0.6)); // the SDK would send 0 s (it truncates)
        var early = await queue.ReceiveAsync(1, TimeSpan.FromSeconds(30));

        Assert.Empty(early);
        Assert.Equal(1, (await client.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task SendMessage_ControlCharacters_RoundTripInBase64()
    {
        var queue = await azurite.NewQueueAsync();

        await queue.SendMessageAsync("bad\u0001<&>");

        Assert.Equal("bad\u0001<&>", Assert.Single((await queue.ReceiveMessagesAsync(1)).Value).Body.ToString());
    }

    [Fact]
    public async Task SendMessage_VisibilityDelayOver7Days_RefusedByTheService()
    {
        var queue = await azurite.NewQueueAsync();

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => queue.SendMessageAsync("x", visibilityTimeout: TimeSpan.FromDays(7.5)));

        Assert.Equal(400, e.Status);
        Assert.True(StorageMessageQueue.MaxVisibilityTimeout < TimeSpan.FromDays(7.5));
    }

    [Fact]
    public async Task ClearMessages_RemovesEverything()
    {
        var queue = await azurite.NewQueueAsync();
        await queue.SendMessageAsync("a");
        await queue.SendMessageAsync("b");

        await queue.ClearMessagesAsync();

        Assert.Empty((await queue.PeekMessagesAsync(32)).Value);
    }

    [Fact]
    public async Task ReceiveMessages_MissingQueue_ThrowsNotFoundWithServiceCode()
    {
        var queue = azurite.Account.GetQueueClient("missing-" + Guid.NewGuid().ToString("N")[..12]);

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => queue.ReceiveMessagesAsync(1));

        Assert.Equal(404, e.Status);
        Assert.True(e.IsNotFound());
        Assert.Equal("QueueNotFound", e.ErrorCode);
    }
}
