using Gale.Engine;

namespace Gale.InMemory;

/// <summary>An at-least-once queue in memory with visibility timeouts and pop receipts on the given clock.</summary>
public sealed class InMemoryMessageQueue(string name, TimeProvider clock) : IMessageQueue, Gale.Telemetry.IQueueDepth
{
    private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);
    private readonly SortedSet<Entry> _byVisibility = new(Comparer<Entry>.Create((a, b) =>
    {
        var byTime = a.VisibleAt.CompareTo(b.VisibleAt);
        return byTime != 0 ? byTime : a.Sequence.CompareTo(b.Sequence);
    }));

    private readonly List<string> _deadLetters = [];
    private long _sequence;

    /// <inheritdoc />
    public string Name => name;

    /// <summary>Messages in the queue, visible or not.</summary>
    public int Count
    {
        get
        {
            lock (_byId)
            {
                return _byId.Count;
            }
        }
    }

    /// <inheritdoc />
    public Task<int> GetApproximateCountAsync(CancellationToken cancellationToken = default) => Task.FromResult(Count);

    /// <summary>When the next invisible message becomes visible, or null when every message is visible or there are none.</summary>
    public DateTimeOffset? NextVisibleAt
    {
        get
        {
            lock (_byId)
            {
                var now = clock.GetUtcNow();
                var next = _byVisibility.FirstOrDefault(e => e.VisibleAt > now);
                return next?.VisibleAt;
            }
        }
    }

    /// <inheritdoc />
    public Task<QueueMessageHandle> SendAsync(string body, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        lock (_byId)
        {
            var entry = new Entry(Guid.NewGuid().ToString("N"), body, ++_sequence) { VisibleAt = clock.GetUtcNow() + (delay ?? TimeSpan.Zero), Receipt = Guid.NewGuid().ToString("N") };
            _byId[entry.Id] = entry;
            _byVisibility.Add(entry);
            return Task.FromResult(new QueueMessageHandle(entry.Id, entry.Receipt, body, 0));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<QueueMessageHandle>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        lock (_byId)
        {
            var now = clock.GetUtcNow();
            var taken = _byVisibility.TakeWhile(e => e.VisibleAt <= now).Take(maxMessages).ToList();
            var handles = new List<QueueMessageHandle>(taken.Count);
            foreach (var entry in taken)
            {
                Move(entry, now + visibility);
                entry.DequeueCount++;
                handles.Add(new QueueMessageHandle(entry.Id, entry.Receipt, entry.Body, entry.DequeueCount));
            }

            return Task.FromResult<IReadOnlyList<QueueMessageHandle>>(handles);
        }
    }

    /// <inheritdoc />
    public Task<QueueMessageHandle?> RenewAsync(QueueMessageHandle message, TimeSpan visibility, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_byId)
        {
            if (!_byId.TryGetValue(message.MessageId, out var entry) || entry.Receipt != message.Receipt)
            {
                return Task.FromResult<QueueMessageHandle?>(null);
            }

            Move(entry, clock.GetUtcNow() + visibility);
            return Task.FromResult<QueueMessageHandle?>(message with { Receipt = entry.Receipt });
        }
    }

    /// <inheritdoc />
    public Task DeleteAsync(QueueMessageHandle message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_byId)
        {
            if (_byId.TryGetValue(message.MessageId, out var entry) && entry.Receipt == message.Receipt)
            {
                _byId.Remove(entry.Id);
                _byVisibility.Remove(entry);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task SendToPoisonAsync(string body, CancellationToken cancellationToken = default)
    {
        lock (_deadLetters)
        {
            _deadLetters.Add(body);
        }

        return Task.CompletedTask;
    }

    /// <summary>Bodies of the messages sent to the poison queue, oldest first.</summary>
    public IReadOnlyList<string> DeadLetters
    {
        get
        {
            lock (_deadLetters)
            {
                return [.. _deadLetters];
            }
        }
    }

    // Re-keys the entry in the visibility index and issues a new receipt (the old one stops working).
    private void Move(Entry entry, DateTimeOffset visibleAt)
    {
        _byVisibility.Remove(entry);
        entry.VisibleAt = visibleAt;
        entry.Receipt = Guid.NewGuid().ToString("N");
        _byVisibility.Add(entry);
    }

    private sealed class Entry(string id, string body, long sequence)
    {
        public string Id { get; } = id;

        public string Body { get; } = body;

        public long Sequence { get; } = sequence;

        public DateTimeOffset VisibleAt { get; set; }

        public string Receipt { get; set; } = string.Empty;

        public long DequeueCount { get; set; }
    }
}
