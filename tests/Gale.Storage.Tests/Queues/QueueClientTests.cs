using Gale.Storage.Queues;

namespace Gale.Storage.Tests.Queues;

public sealed class QueueClientTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task CreateIfNotExists_CalledTwice_CreatesOnce()
    {
        var queue = azurite.Account.GetQueueClient("q" + Guid.NewGuid().ToString("N")[..20]);
        Assert.True(await queue.CreateIfNotExistsAsync());
        Assert.False(await queue.CreateIfNotExistsAsync());
        Assert.True(await queue.DeleteAsync());
        Assert.False(await queue.DeleteAsync());
    }

    [Theory]
    [InlineData(QueueMessageEncoding.Base64)]
    [InlineData(QueueMessageEncoding.None)]
    public async Task SendReceiveDelete_RoundTripsTextAndEmptiesQueue(QueueMessageEncoding encoding)
    {
        var queue = await azurite.NewQueueAsync(encoding);
        const string text = "{\"run\":\"r1\",\"xml\":\"<a>&amp;</a>\",\"emoji\":\"✓ 日本\"}";

        var receipt = await queue.SendMessageAsync(text);
        var received = Assert.Single(await queue.ReceiveMessagesAsync(maxMessages: 5, TimeSpan.FromSeconds(30)));
        await queue.DeleteMessageAsync(received.MessageId, received.PopReceipt);

        Assert.Equal(receipt.MessageId, received.MessageId);
        Assert.Equal(text, received.MessageText);
        Assert.Equal(1, received.DequeueCount);
        Assert.Empty(await queue.PeekMessagesAsync(32));
        Assert.Equal(0, (await queue.GetPropertiesAsync()).ApproximateMessagesCount);
    }

    [Fact]
    public async Task ReceiveMessages_ManyAtOnce_ReturnsUpTo32AndCountsMatch()
    {
        var queue = await azurite.NewQueueAsync();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => queue.SendMessageAsync($"m{i}")));

        var count = (await queue.GetPropertiesAsync()).ApproximateMessagesCount;
        var batch = await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30));
        var rest = await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30));

        Assert.Equal(40, count);
        Assert.Equal(32, batch.Count);
        Assert.Equal(8, rest.Count);
        Assert.Equal(40, batch.Concat(rest).Select(m => m.MessageText).Distinct().Count());
    }

    [Fact]
    public async Task SendMessage_WithVisibilityDelay_HiddenUntilDelayPasses()
    {
        var queue = await azurite.NewQueueAsync();
        await queue.SendMessageAsync("later", visibilityDelay: TimeSpan.FromSeconds(2));

        var early = await queue.ReceiveMessagesAsync(1);
        var peeked = await queue.PeekMessagesAsync(1);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var late = await queue.ReceiveMessagesAsync(1);

        Assert.Empty(early);
        Assert.Empty(peeked);
        Assert.Equal("later", Assert.Single(late).MessageText);
    }

    [Fact]
    public async Task VisibilityTimeout_Expires_MessageRedeliveredAndOldReceiptStale()
    {
        var queue = await azurite.NewQueueAsync();
        await queue.SendMessageAsync("work");

        var first = Assert.Single(await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1)));
        Assert.Empty(await queue.ReceiveMessagesAsync(1));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var second = Assert.Single(await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(30)));
        var stale = await Assert.ThrowsAsync<StorageException>(() => queue.DeleteMessageAsync(first.MessageId, first.PopReceipt));
        await queue.DeleteMessageAsync(second.MessageId, second.PopReceipt);

        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(2, second.DequeueCount);
        Assert.Equal((400, "PopReceiptMismatch"), (stale.Status, stale.ErrorCode));
        Assert.Empty(await queue.PeekMessagesAsync(1));
    }

    [Fact]
    public async Task UpdateMessage_Heartbeat_KeepsMessageHiddenAndReturnsNewReceipt()
    {
        var queue = await azurite.NewQueueAsync();
        await queue.SendMessageAsync("long task");
        var received = Assert.Single(await queue.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1)));

        var update = await queue.UpdateMessageAsync(received.MessageId, received.PopReceipt, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var whileHidden = await queue.ReceiveMessagesAsync(1);
        await queue.DeleteMessageAsync(received.MessageId, update.PopReceipt);

        Assert.NotEqual(received.PopReceipt, update.PopReceipt);
        Assert.True(update.NextVisibleOn > DateTimeOffset.UtcNow.AddSeconds(20));
        Assert.Empty(whileHidden);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).ApproximateMessagesCount);
    }

    [Fact]
    public async Task UpdateMessage_NewText_ReplacesContent()
    {
        var queue = await azurite.NewQueueAsync();
        await queue.SendMessageAsync("v1");
        var received = Assert.Single(await queue.ReceiveMessagesAsync(1));

        await queue.UpdateMessageAsync(received.MessageId, received.PopReceipt, TimeSpan.Zero, "v2");
        var again = Assert.Single(await queue.ReceiveMessagesAsync(1));

        Assert.Equal("v2", again.MessageText);
    }

    [Fact]
    public async Task PeekMessages_DoesNotHideOrCountDequeue()
    {
        var queue = await azurite.NewQueueAsync();
        await queue.SendMessageAsync("a");

        var peek1 = Assert.Single(await queue.PeekMessagesAsync(5));
        var peek2 = Assert.Single(await queue.PeekMessagesAsync(5));

        Assert.Equal("a", peek1.MessageText);
        Assert.Equal(peek1.MessageId, peek2.MessageId);
        Assert.Equal(0, peek2.DequeueCount);
    }

    [Fact]
    public async Task SendMessage_TimeToLive_ExpiredMessageDisappears()
    {
        var queue = await azurite.NewQueueAsync();
        var receipt = await queue.SendMessageAsync("short-lived", timeToLive: TimeSpan.FromSeconds(1));

        await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.InRange(receipt.ExpiresOn - receipt.InsertedOn, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(2));
        Assert.Empty(await queue.ReceiveMessagesAsync(1));
    }

    [Theory]
    [InlineData(QueueMessageEncoding.None, 64 * 1024)]
    [InlineData(QueueMessageEncoding.Base64, 48 * 1024)]
    public async Task SendMessage_AtLimitSentAndOneOverRejected(QueueMessageEncoding encoding, int maxText)
    {
        var queue = await azurite.NewQueueAsync(encoding);
        var atLimit = new string('a', maxText);

        await queue.SendMessageAsync(atLimit);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => queue.SendMessageAsync(atLimit + "aaaa"));

        Assert.Equal(atLimit, Assert.Single(await queue.ReceiveMessagesAsync(1)).MessageText);
        Assert.Contains("at most 65,536 bytes (64 KiB)", e.Message, StringComparison.Ordinal);
        Assert.Contains(queue.Name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendMessage_NonXmlCharacterWithoutEncoding_RejectedClearly()
    {
        var queue = await azurite.NewQueueAsync(QueueMessageEncoding.None);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => queue.SendMessageAsync("bad\u0001"));

        Assert.Contains("U+0001", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendMessage_VisibilityDelayOver7Days_Rejected()
    {
        var queue = await azurite.NewQueueAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.SendMessageAsync("x", visibilityDelay: TimeSpan.FromDays(7.5)));
    }

    [Fact]
    public async Task ClearMessages_RemovesEverything()
    {
        var queue = await azurite.NewQueueAsync();
        await queue.SendMessageAsync("a");
        await queue.SendMessageAsync("b");

        await queue.ClearMessagesAsync();

        Assert.Empty(await queue.PeekMessagesAsync(32));
    }

    [Fact]
    public async Task ReceiveMessages_MissingQueue_ThrowsNotFoundWithServiceCode()
    {
        var queue = azurite.Account.GetQueueClient("missing-" + Guid.NewGuid().ToString("N")[..12]);

        var e = await Assert.ThrowsAsync<StorageException>(() => queue.ReceiveMessagesAsync(1));

        Assert.Equal(404, e.Status);
        Assert.Equal("QueueNotFound", e.ErrorCode);
        Assert.False(string.IsNullOrEmpty(e.RequestId));
    }
}
