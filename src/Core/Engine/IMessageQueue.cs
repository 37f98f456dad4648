namespace Gale.Engine;

/// <summary>A message held by this process: its id, the receipt that proves the hold, its body and how often it was delivered.</summary>
public sealed record QueueMessageHandle(string MessageId, string Receipt, string Body, long DequeueCount);

/// <summary>
/// Port: an at-least-once queue with visibility timeouts (Azure Storage queues; in memory for tests).
/// A received message stays hidden for the visibility timeout; delete it when done, renew it to keep it.
/// </summary>
public interface IMessageQueue
{
    /// <summary>The queue's name.</summary>
    string Name { get; }

    /// <summary>Sends a message that becomes visible after <paramref name="delay"/>.</summary>
    /// <returns>A handle whose receipt lets the sender renew or delete the message before anyone receives it.</returns>
    Task<QueueMessageHandle> SendAsync(string body, TimeSpan? delay = null, CancellationToken cancellationToken = default);

    /// <summary>Receives up to <paramref name="maxMessages"/> visible messages and hides them for <paramref name="visibility"/>.</summary>
    Task<IReadOnlyList<QueueMessageHandle>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken = default);

    /// <summary>Hides a held message for <paramref name="visibility"/> from now.</summary>
    /// <returns>The handle with its new receipt, or null when the hold was lost (the message was received again or deleted).</returns>
    Task<QueueMessageHandle?> RenewAsync(QueueMessageHandle message, TimeSpan visibility, CancellationToken cancellationToken = default);

    /// <summary>Deletes a held message; a lost hold is ignored (someone else now holds or deleted it).</summary>
    Task DeleteAsync(QueueMessageHandle message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts a copy of a message that can never be processed (not a Gale message) in this queue's poison queue,
    /// <c>&lt;name&gt;-poison</c>, where the Azure Functions host also puts messages that failed too often. The caller
    /// then deletes the original.
    /// </summary>
    Task SendToPoisonAsync(string body, CancellationToken cancellationToken = default);
}
