using Gale.Engine;

namespace Gale.InMemory;

/// <summary>An at-least-once queue in memory with visibility timeouts and pop receipts on the given clock.</summary>
public sealed class InMemoryMessageQueue(string name, TimeProvider clock) : IMessageQueue
{
    private readonly List<Entry> _messages = [];

    /// <inheritdoc />
    public string Name => name;

    /// <summary>Messages in the queue, visible or not.</summary>
    public int Count
    {
        get
        {
            lock (_messages)
            {
                return _messages.Count;
            }
        }
    }

    /// <summary>When the next invisible message becomes visible, or null when every message is visible or there are none.</summary>
    public DateTimeOffset? NextVisibleAt
    {
        get
        {
            lock (_messages)
            {
                var now = clock.GetUtcNow();
                var hidden = _messages.Where(m => m.VisibleAt > now).Select(m => m.VisibleAt).ToList();
                return hidden.Count == 0 ? null : hidden.Min();
            }
        }
    }

    /// <inheritdoc />
    public Task<QueueMessageHandle> SendAsync(string body, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        var entry = new Entry(Guid.NewGuid().ToString("N"), body) { VisibleAt = clock.GetUtcNow() + (delay ?? TimeSpan.Zero), Receipt = Guid.NewGuid().ToString("N") };
        lock (_messages)
        {
            _messages.Add(entry);
        }

        return Task.FromResult(new QueueMessageHandle(entry.Id, entry.Receipt, body, 0));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<QueueMessageHandle>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        lock (_messages)
        {
            var taken = _messages.Where(m => m.VisibleAt <= now).Take(maxMessages).ToList();
            foreach (var m in taken)
            {
                m.VisibleAt = now + visibility;
                m.Receipt = Guid.NewGuid().ToString("N");
                m.DequeueCount++;
            }

            return Task.FromResult<IReadOnlyList<QueueMessageHandle>>(taken.Select(m => new QueueMessageHandle(m.Id, m.Receipt, m.Body, m.DequeueCount)).ToList());
        }
    }

    /// <inheritdoc />
    public Task<QueueMessageHandle?> RenewAsync(QueueMessageHandle message, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_messages)
        {
            var entry = _messages.Find(m => m.Id == message.MessageId && m.Receipt == message.Receipt);
            if (entry is null)
            {
                return Task.FromResult<QueueMessageHandle?>(null);
            }

            entry.VisibleAt = clock.GetUtcNow() + visibility;
            entry.Receipt = Guid.NewGuid().ToString("N");
            return Task.FromResult<QueueMessageHandle?>(message with { Receipt = entry.Receipt });
        }
    }

    /// <inheritdoc />
    public Task DeleteAsync(QueueMessageHandle message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_messages)
        {
            _messages.RemoveAll(m => m.Id == message.MessageId && m.Receipt == message.Receipt);
        }

        return Task.CompletedTask;
    }

    private sealed class Entry(string id, string body)
    {
        public string Id { get; } = id;

        public string Body { get; } = body;

        public DateTimeOffset VisibleAt { get; set; }

        public string Receipt { get; set; } = string.Empty;

        public long DequeueCount { get; set; }
    }
}
