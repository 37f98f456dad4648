using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Specialized;
using Gale.Engine;

namespace Gale.Storage.Engine;

/// <summary>
/// <see cref="IMessageQueue"/> on an Azure Storage queue. A delay longer than the service's 7-day visibility limit
/// is chained: the message carries its due time and is hidden again, up to 7 days at a time, until it is due.
/// <paramref name="poison"/> is where messages that can never be processed go (default: <c>&lt;queue&gt;-poison</c>
/// beside it).
/// </summary>
public sealed class StorageMessageQueue(QueueClient queue, TimeProvider clock, QueueClient? poison = null) : IMessageQueue, Gale.Telemetry.IQueueDepth
{
    /// <summary>The longest a message can stay hidden: 7 days. Longer delays are chained.</summary>
    public static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromDays(7);

    /// <summary>The largest message the service takes: 64 KiB on the wire (base64 makes text a third larger).</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>The time-to-live that keeps a message until it is deleted (the service's -1).</summary>
    public static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    private const string EnvelopeMarker = "{\"gale_due\":";
    private readonly QueueClient _poison = poison ?? queue.GetParentQueueServiceClient().GetQueueClient(queue.Name + StorageAccountClient.PoisonSuffix);

    /// <inheritdoc />
    public string Name => queue.Name;

    /// <inheritdoc />
    public async Task<QueueMessageHandle> SendAsync(string body, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        var wait = delay ?? TimeSpan.Zero;
        var text = body;
        if (wait > MaxVisibilityTimeout)
        {
            text = JsonSerializer.Serialize(new Envelope(clock.GetUtcNow() + wait, body));
            wait = MaxVisibilityTimeout;
        }

        CheckSize(queue.Name, text);
        var receipt = (await queue.SendMessageAsync(text, wait > TimeSpan.Zero ? WholeSeconds(wait) : null, NeverExpires, cancellationToken)).Value;
        return new QueueMessageHandle(receipt.MessageId, receipt.PopReceipt, body, 0);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<QueueMessageHandle>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        // A received message is hidden for at least a second (the service refuses 0) and at most the 7-day limit.
        var hide = WholeSeconds(visibility);
        hide = hide < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : hide > MaxVisibilityTimeout ? MaxVisibilityTimeout : hide;
        var received = (await queue.ReceiveMessagesAsync(Math.Clamp(maxMessages, 1, 32), hide, cancellationToken)).Value;
        var ready = new List<QueueMessageHandle>(received.Length);
        foreach (var m in received)
        {
            var (body, remaining) = Open(m.Body.ToString(), clock.GetUtcNow());
            if (remaining > TimeSpan.Zero)
            {
                // Not due yet: hide it for the next leg of the chain.
                var leg = remaining < MaxVisibilityTimeout ? remaining : MaxVisibilityTimeout;
                await queue.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: WholeSeconds(leg), cancellationToken: cancellationToken);
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
            var update = (await queue.UpdateMessageAsync(message.MessageId, message.Receipt, visibilityTimeout: WholeSeconds(visibility), cancellationToken: cancellationToken)).Value;
            return message with { Receipt = update.PopReceipt };
        }
        catch (RequestFailedException e) when (IsLostHold(e))
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
        catch (RequestFailedException e) when (IsLostHold(e))
        {
            // Someone else holds or already deleted it.
        }
    }

    /// <inheritdoc />
    public async Task SendToPoisonAsync(string body, CancellationToken cancellationToken = default)
    {
        CheckSize(_poison.Name, body);
        try
        {
            await _poison.SendMessageAsync(body, null, NeverExpires, cancellationToken);
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            await _poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await _poison.SendMessageAsync(body, null, NeverExpires, cancellationToken);
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
        (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;

    /// <summary>Refuses a message the service would refuse with a bare 413, naming the queue and the size.</summary>
    /// <exception cref="ArgumentException">The message is larger than 64 KiB once base64-encoded.</exception>
    public static void CheckSize(string queueName, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var size = (Encoding.UTF8.GetByteCount(text) + 2) / 3 * 4;
        if (size > MaxMessageBytes)
        {
            throw new ArgumentException(
                $"Queue '{queueName}': the message is {size:N0} bytes on the wire (base64); a queue message holds at most {MaxMessageBytes:N0} bytes (64 KiB). Store large payloads in a blob and send a reference.",
                nameof(text));
        }
    }

    // The service counts whole seconds and the SDK truncates: round up, so a delay never ends early.
    private static TimeSpan WholeSeconds(TimeSpan value) =>
        value <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Ceiling(value.TotalSeconds));

    private static bool IsLostHold(RequestFailedException e) => e.IsNotFound() || e.ErrorCode == "PopReceiptMismatch";

    // Field names are the wire format.
#pragma warning disable SA1300, IDE1006
    private sealed record Envelope(DateTimeOffset gale_due, string body);
#pragma warning restore SA1300, IDE1006
}
