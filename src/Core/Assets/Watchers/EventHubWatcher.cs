using System.Globalization;
using System.Text.Json;

namespace Gale.Assets.Watchers;

/// <summary>One Event Hubs event as the Functions host's eventHubTrigger delivers it.</summary>
/// <param name="Partition">The partition id.</param>
/// <param name="SequenceNumber">Its sequence number in the partition.</param>
/// <param name="Offset">Its offset in the partition.</param>
/// <param name="EnqueuedTime">When Event Hubs accepted it.</param>
/// <param name="Body">The body as text.</param>
public sealed record EventHubEvent(string Partition, long SequenceNumber, string Offset, DateTimeOffset EnqueuedTime, string Body);

/// <summary>
/// Turns Event Hubs events into asset events. It polls every partition from its watermark through
/// <see cref="Gale.Engine.TaskServices.EventHubs"/> (Azure.Messaging.EventHubs), and it also takes batches pushed to it
/// (<see cref="HandleBatchAsync"/>, the Functions host's eventHubTrigger). The watermark is the highest sequence
/// number emitted per partition; anything at or below it (a batch delivered again, a poll racing a push) is skipped,
/// and event ids (partition and sequence number) are the same anyway, so nothing doubles.
/// </summary>
public sealed class EventHubWatcher : AssetWatcher
{
    /// <summary>Creates an Event Hubs watcher.</summary>
    /// <param name="name">The watcher's name.</param>
    /// <param name="assets">The assets an event updates.</param>
    /// <param name="eventHub">The hub's name (the function binding feeds it).</param>
    public EventHubWatcher(string name, IReadOnlyList<Asset> assets, string eventHub)
        : base(name, assets)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventHub);
        EventHub = eventHub;
    }

    /// <summary>The hub.</summary>
    public string EventHub { get; }

    /// <summary>Most events read from one partition per poll.</summary>
    public int MaxEventsPerPartition { get; init; } = 500;

    /// <inheritdoc />
    public override string Kind => "eventhub";

    /// <inheritdoc />
    public override string Source => EventHub;

    /// <summary>
    /// Reads each partition after its watermark (up to <see cref="MaxEventsPerPartition"/>); with no
    /// <see cref="Gale.Engine.TaskServices.EventHubs"/> reader configured there is nothing to poll and batches must be pushed.
    /// </summary>
    public override async Task<WatcherPoll> PollAsync(WatcherContext context, Watermark watermark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(watermark);
        if (context.Services.EventHubs is not { } reader)
        {
            return new WatcherPoll([], watermark.Values);
        }

        var read = new List<EventHubEvent>();
        foreach (var partition in await reader.GetPartitionIdsAsync(EventHub, cancellationToken))
        {
            read.AddRange(await reader.ReadAsync(EventHub, partition, LastSequenceNumber(watermark.Values, partition), Math.Max(1, MaxEventsPerPartition), cancellationToken));
        }

        return Select(read, watermark);
    }

    /// <summary>Emits the events of <paramref name="batch"/> after the watermark, then moves it.</summary>
    public Task<WatcherCycle> HandleBatchAsync(WatcherRunner runner, IReadOnlyList<EventHubEvent> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(batch);
        return runner.PushAsync(this, mark => Select(batch, mark), cancellationToken);
    }

    /// <summary>The changes of <paramref name="batch"/> after <paramref name="watermark"/> and the watermark covering them.</summary>
    public static WatcherPoll Select(IReadOnlyList<EventHubEvent> batch, Watermark watermark)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(watermark);
        var next = new Dictionary<string, string>(watermark.Values, StringComparer.Ordinal);
        var changes = new List<WatchedChange>();
        foreach (var e in batch.OrderBy(e => e.Partition, StringComparer.Ordinal).ThenBy(e => e.SequenceNumber).DistinctBy(e => (e.Partition, e.SequenceNumber)))
        {
            if (e.SequenceNumber <= LastSequenceNumber(next, e.Partition))
            {
                continue; // redelivered
            }

            next[PartitionKey(e.Partition)] = e.SequenceNumber.ToString(CultureInfo.InvariantCulture);
            changes.Add(new WatchedChange($"{e.Partition}/{e.SequenceNumber}", e.EnqueuedTime)
            {
                Extra = JsonSerializer.Serialize(new { partition = e.Partition, sequence_number = e.SequenceNumber, offset = e.Offset, enqueued_time = e.EnqueuedTime, body = BodyJson(e.Body) }),
            });
        }

        return new WatcherPoll(changes, next);
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, string> ResetValues(DateTimeOffset? since) =>
        since is null ? new Dictionary<string, string>(StringComparer.Ordinal) : throw new ArgumentException("an Event Hubs watermark resets to the beginning only (sequence numbers, not times)", nameof(since));

    /// <summary>The highest sequence number the watermark <paramref name="values"/> covers in <paramref name="partition"/>, or -1.</summary>
    public static long LastSequenceNumber(IReadOnlyDictionary<string, string> values, string partition)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.TryGetValue(PartitionKey(partition), out var text) && long.TryParse(text, CultureInfo.InvariantCulture, out var n) ? n : -1;
    }

    private static string PartitionKey(string partition) => $"partition:{partition}";

    private static object BodyJson(string body)
    {
        try
        {
            return JsonDocument.Parse(body).RootElement.Clone();
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
