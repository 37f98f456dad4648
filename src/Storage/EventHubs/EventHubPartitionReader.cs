using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Primitives;
using Gale.Assets.Watchers;

namespace Gale.Storage.EventHubs;

/// <summary>
/// Reads Event Hubs partitions with Azure.Messaging.EventHubs for the Event Hubs watchers: a <see cref="PartitionReceiver"/>
/// opened just after the sequence number the watcher's watermark holds, one batch, closed again. No checkpoint store:
/// the watermark entity in Table Storage is the checkpoint, moved only after the events are stored.
/// </summary>
public sealed class EventHubPartitionReader : IEventHubReader
{
    /// <summary>The consumer group used when none is configured.</summary>
    public const string DefaultConsumerGroup = EventHubConsumerClient.DefaultConsumerGroupName;

    private readonly Func<string, EventHubConsumerClient> _consumer;
    private readonly Func<string, string, EventPosition, PartitionReceiver> _receiver;
    private readonly Dictionary<string, EventHubConsumerClient> _consumers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Creates a reader from SDK client factories (tests pass the SDK's mockable clients).</summary>
    /// <param name="consumer">A consumer client for a hub, used for its partition ids.</param>
    /// <param name="receiver">A partition receiver for (hub, partition, starting position).</param>
    /// <param name="maxWait">How long one read waits for events when a partition has none ready.</param>
    public EventHubPartitionReader(Func<string, EventHubConsumerClient> consumer, Func<string, string, EventPosition, PartitionReceiver> receiver, TimeSpan maxWait)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(receiver);
        _consumer = consumer;
        _receiver = receiver;
        MaxWait = maxWait;
    }

    /// <summary>How long one read waits for events when a partition has none ready.</summary>
    public TimeSpan MaxWait { get; }

    /// <summary>
    /// A reader from Functions-style settings: <c>GALE_EVENTHUB</c> as a connection string, or
    /// <c>GALE_EVENTHUB__fullyQualifiedNamespace</c> with a managed identity (<c>GALE_EVENTHUB__clientId</c> for a
    /// user-assigned one) or the developer's Azure credentials; the consumer group <c>GALE_EVENTHUB_WATCHER_CONSUMER_GROUP</c>
    /// (default <c>$Default</c>). It must not be the group the Functions host's eventHubTrigger reads
    /// (<c>GALE_EVENTHUB_CONSUMER_GROUP</c>): its processor holds exclusive receivers there.
    /// </summary>
    /// <returns>The reader, or null when no Event Hubs namespace is configured.</returns>
    public static EventHubPartitionReader? FromSettings(Func<string, string?> setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        var group = setting("GALE_EVENTHUB_WATCHER_CONSUMER_GROUP") is { Length: > 0 } g ? g : DefaultConsumerGroup;
        var connectionString = setting("GALE_EVENTHUB");
        var fullyQualifiedNamespace = setting("GALE_EVENTHUB__fullyQualifiedNamespace");
        var maxWait = TimeSpan.FromSeconds(1);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new EventHubPartitionReader(
                hub => new EventHubConsumerClient(group, connectionString, hub),
                (hub, partition, position) => new PartitionReceiver(group, partition, position, connectionString, hub),
                maxWait);
        }

        if (string.IsNullOrWhiteSpace(fullyQualifiedNamespace))
        {
            return null;
        }

        var credential = FunctionsIdentity.Credential(setting, "GALE_EVENTHUB");
        return new EventHubPartitionReader(
            hub => new EventHubConsumerClient(group, fullyQualifiedNamespace, hub, credential),
            (hub, partition, position) => new PartitionReceiver(group, partition, position, fullyQualifiedNamespace, hub, credential),
            maxWait);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> GetPartitionIdsAsync(string eventHub, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventHub);
        EventHubConsumerClient consumer;
        lock (_gate)
        {
            if (!_consumers.TryGetValue(eventHub, out consumer!))
            {
                _consumers[eventHub] = consumer = _consumer(eventHub);
            }
        }

        return await consumer.GetPartitionIdsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EventHubEvent>> ReadAsync(string eventHub, string partition, long afterSequenceNumber, int maxEvents, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventHub);
        ArgumentException.ThrowIfNullOrWhiteSpace(partition);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEvents, 1);
        var position = afterSequenceNumber < 0 ? EventPosition.Earliest : EventPosition.FromSequenceNumber(afterSequenceNumber, isInclusive: false);
        var receiver = _receiver(eventHub, partition, position);
        try
        {
            var batch = await receiver.ReceiveBatchAsync(maxEvents, MaxWait, cancellationToken).ConfigureAwait(false);
            return [.. batch.Select(e => ToEvent(partition, e))];
        }
        finally
        {
            await receiver.CloseAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>The watcher's view of one SDK event.</summary>
    public static EventHubEvent ToEvent(string partition, EventData e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new EventHubEvent(partition, e.SequenceNumber, e.OffsetString, e.EnqueuedTime, e.EventBody.ToString());
    }
}
