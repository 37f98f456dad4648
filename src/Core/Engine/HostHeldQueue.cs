using System.Collections.Concurrent;

namespace Gale.Engine;

/// <summary>What became of a message the Functions host delivered.</summary>
public enum HostedOutcome
{
    /// <summary>Processed (or sent again as a fresh message to come back later): the host deletes it.</summary>
    Completed,

    /// <summary>Left for another try: the host makes it visible again and, after maxDequeueCount tries, moves it to the poison queue.</summary>
    Left,
}

/// <summary>
/// A queue whose messages the Azure Functions host receives (queueTrigger) and holds: it keeps a message hidden while
/// its invocation runs, deletes it when the invocation succeeds, and retries it, then poisons it, when it fails. Gale's
/// workers were written for messages they hold themselves; for a message held by the host, this decorator turns their
/// renew and delete calls into an outcome for the host instead of storage operations that would break the host's hold.
/// Every other message (those the engine sends) goes to the inner queue unchanged.
/// </summary>
/// <param name="inner">The storage queue.</param>
/// <param name="keepAlive">A renewal at least this long is a heartbeat (the host keeps the message hidden itself); a shorter one asks for the message to come back after that delay. It must be longer than <see cref="AttemptRunner.SlotRetryDelay"/>.</param>
public sealed class HostHeldQueue(IMessageQueue inner, TimeSpan keepAlive) : IMessageQueue
{
    private readonly ConcurrentDictionary<string, Hold> _held = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Name => inner.Name;

    /// <summary>Runs <paramref name="handle"/> on a message the host holds and says whether the host should delete it.</summary>
    public async Task<HostedOutcome> HoldAsync(QueueMessageHandle message, Func<QueueMessageHandle, Task> handle)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(handle);
        var hold = new Hold();
        if (!_held.TryAdd(message.MessageId, hold))
        {
            return HostedOutcome.Left; // The host delivered it again while this process still works on it.
        }

        try
        {
            await handle(message);
        }
        finally
        {
            _held.TryRemove(message.MessageId, out _);
        }

        return hold.Completed ? HostedOutcome.Completed : HostedOutcome.Left;
    }

    /// <inheritdoc />
    public Task<QueueMessageHandle> SendAsync(string body, TimeSpan? delay = null, CancellationToken cancellationToken = default) =>
        inner.SendAsync(body, delay, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<QueueMessageHandle>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken = default) =>
        inner.ReceiveAsync(maxMessages, visibility, cancellationToken);

    /// <inheritdoc />
    public async Task<QueueMessageHandle?> RenewAsync(QueueMessageHandle message, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_held.TryGetValue(message.MessageId, out var hold))
        {
            return await inner.RenewAsync(message, visibility, cancellationToken);
        }

        if (visibility < keepAlive)
        {
            // "Look at it again in a moment" (slots busy, a duplicate still running): a fresh message, so waiting does
            // not count as a failed delivery on the way to the poison queue.
            await inner.SendAsync(message.Body, visibility, cancellationToken);
            hold.Completed = true;
        }

        return message;
    }

    /// <inheritdoc />
    public Task DeleteAsync(QueueMessageHandle message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_held.TryGetValue(message.MessageId, out var hold))
        {
            hold.Completed = true;
            return Task.CompletedTask;
        }

        return inner.DeleteAsync(message, cancellationToken);
    }

    /// <inheritdoc />
    public Task SendToPoisonAsync(string body, CancellationToken cancellationToken = default) =>
        inner.SendToPoisonAsync(body, cancellationToken);

    private sealed class Hold
    {
        private volatile bool _completed;

        public bool Completed
        {
            get => _completed;
            set => _completed = value;
        }
    }
}
