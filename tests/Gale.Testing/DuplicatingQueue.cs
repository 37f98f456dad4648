using Gale.Engine;

namespace Gale.Testing;

/// <summary>Wraps a queue so that every message is sent twice, as an at-least-once queue may deliver it.</summary>
public sealed class DuplicatingQueue(IMessageQueue inner) : IMessageQueue
{
    /// <inheritdoc />
    public string Name => inner.Name;

    /// <inheritdoc />
    public async Task<QueueMessageHandle> SendAsync(string body, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        await inner.SendAsync(body, delay, cancellationToken);
        return await inner.SendAsync(body, delay, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<QueueMessageHandle>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken = default) =>
        inner.ReceiveAsync(maxMessages, visibility, cancellationToken);

    /// <inheritdoc />
    public Task<QueueMessageHandle?> RenewAsync(QueueMessageHandle message, TimeSpan visibility, CancellationToken cancellationToken = default) =>
        inner.RenewAsync(message, visibility, cancellationToken);

    /// <inheritdoc />
    public Task DeleteAsync(QueueMessageHandle message, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(message, cancellationToken);

    /// <inheritdoc />
    public Task SendToPoisonAsync(string body, CancellationToken cancellationToken = default) =>
        inner.SendToPoisonAsync(body, cancellationToken);
}
