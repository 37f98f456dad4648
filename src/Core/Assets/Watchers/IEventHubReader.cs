namespace Gale.Assets.Watchers;

/// <summary>
/// Reads Event Hubs partitions from a position, for <see cref="EventHubWatcher"/> polling. Gale.Storage implements it
/// with Azure.Messaging.EventHubs; the watermark, not a checkpoint store, remembers where each partition was read to.
/// </summary>
public interface IEventHubReader
{
    /// <summary>The partition ids of <paramref name="eventHub"/>.</summary>
    Task<IReadOnlyList<string>> GetPartitionIdsAsync(string eventHub, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="maxEvents"/> events of one partition with a sequence number above
    /// <paramref name="afterSequenceNumber"/> (-1: from the earliest event retained), in order. Returns what is there
    /// without waiting long for more.
    /// </summary>
    Task<IReadOnlyList<EventHubEvent>> ReadAsync(string eventHub, string partition, long afterSequenceNumber, int maxEvents, CancellationToken cancellationToken = default);
}
