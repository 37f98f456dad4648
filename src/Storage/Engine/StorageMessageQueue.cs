using System.Text.Json;
using Gale.Engine;
using Gale.Storage.Queues;

namespace Gale.Storage.Engine;

/// <summary>
/// <see cref="IMessageQueue"/> on an Azure Storage queue. A delay longer than the service's 7-day visibility limit
/// is chained: the message carries its due time and is hidden again, up to 7 days at a time, until it is due.
/// </summary>
public sealed class StorageMessageQueue(QueueClient queue, TimeProvider clock) : IMessageQueue, Gale.Telemetry.IQueueDepth
{
    private const string EnvelopeMarker = "{\"gale_due\":";

    /// <inheritdoc />
    public string Name => queue.Name;

    /// <inheritdoc />
    public async Task<QueueMessageHandle> SendAsync(string body, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        var wait = delay ?? TimeSpan.Zero;
        var text = body;
        if (wait > QueueClient.MaxVisibilityTimeout)
        {
            text = JsonSerializer.Serialize(new Envelope(clock.GetUtcNow() + wait, body));
            wait = QueueClient.MaxVisibilityTimeout;
        }

        var receipt = await queue.SendMessageAsync(text, wait > TimeSpan.Zero ? wait : null, Timeout.InfiniteTimeSpan, cancellationToken);
        return new QueueMessageHandle(receipt.MessageId, receipt.PopReceipt, body, 0);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<QueueMessageHandle>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        var received = await queue.ReceiveMessagesAsync(Math.Clamp(maxMessages, 1, 32), visibility, cancellationToken);
        var ready = new List<QueueMessageHandle>(received.Count);
        foreach (var m in received)
        {
            var (body, remaining) = Open(m.MessageText, clock.GetUtcNow());
            if (remaining > TimeSpan.Zero)
            {
                // Not due yet: hide it for the next leg of the chain.
                var leg = remaining < QueueClient.MaxVisibilityTimeout ? remaining : QueueClient.MaxVisibilityTimeout;
                await queue.UpdateMessageAsync(m.MessageId, m.PopReceipt, leg, cancellationToken: cancellationToken);
                continue;
            }

            ready.Add(new QueueMessageHandle(m.MessageId, m.PopReceipt, body, m.DequeueCount));
        }

        return ready;
    }

    /// <inheritdoc />
    public async Task<QueueMessageHandle?> RenewAsync(QueueMessageHandle message, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            var update = await queue.UpdateMessageAsync(message.MessageId, message.Receipt, visibility, cancellationToken: cancellationToken);
            return message with { Receipt = update.PopReceipt };
        }
        catch (StorageException e) when (IsLostHold(e))
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task DeleteAsync(QueueMessageHandle message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await queue.DeleteMessageAsync(message.MessageId, message.Receipt, cancellationToken);
        }
        catch (StorageException e) when (IsLostHold(e))
        {
            // Someone else holds or already deleted it.
        }
    }

    /// <inheritdoc />
    public async Task SendToPoisonAsync(string body, CancellationToken cancellationToken = default)
    {
        var poison = queue.GetPoisonQueueClient();
        try
        {
            await poison.SendMessageAsync(body, null, Timeout.InfiniteTimeSpan, cancellationToken);
        }
        catch (StorageException e) when (e.IsNotFound)
        {
            await poison.CreateIfNotExistsAsync(cancellationToken);
            await poison.SendMessageAsync(body, null, Timeout.InfiniteTimeSpan, cancellationToken);
        }
    }

    /// <summary>
    /// Opens a message text as the Functions host delivers it (a queueTrigger reads the raw text): the Gale body, and
    /// how long until it is due when it is a chained delay (longer than the queue's 7-day limit) not yet due.
    /// </summary>
    public static (string Body, TimeSpan NotDueFor) Open(string text, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith(EnvelopeMarker, StringComparison.Ordinal))
        {
            return (text, TimeSpan.Zero);
        }

        var envelope = JsonSerializer.Deserialize<Envelope>(text)!;
        var remaining = envelope.gale_due - now;
        return (envelope.body, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
    }

    /// <inheritdoc />
    public async Task<int> GetApproximateCountAsync(CancellationToken cancellationToken = default) =>
        (await queue.GetPropertiesAsync(cancellationToken)).ApproximateMessagesCount;

    private static bool IsLostHold(StorageException e) => e.IsNotFound || e.ErrorCode == "PopReceiptMismatch";

    // Field names are the wire format.
#pragma warning disable SA1300, IDE1006
    private sealed record Envelope(DateTimeOffset gale_due, string body);
#pragma warning restore SA1300, IDE1006
}
