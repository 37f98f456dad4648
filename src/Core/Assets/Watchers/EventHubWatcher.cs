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
/// Turns Event Hubs batches (fed by the Functions host's eventHubTrigger, cardinality many) into asset events. The
/// watermark is the highest sequence number emitted per partition; a batch delivered again (checkpoints lag behind)
/// is skipped up to it, and its event ids (partition and sequence number) are the same anyway, so nothing doubles.
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
        PollInterval = Timeout.InfiniteTimeSpan;
    }

    /// <summary>The hub.</summary>
    public string EventHub { get; }

    /// <inheritdoc />
    public override string Kind => "eventhub";

    /// <inheritdoc />
    public override string Source => EventHub;

    /// <summary>Nothing to poll: batches are pushed with <see cref="HandleBatchAsync"/>.</summary>
    public override Task<WatcherPoll> PollAsync(WatcherContext context, Watermark watermark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(watermark);
        return Task.FromResult(new WatcherPoll([], watermark.Values));
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
            var key = $"partition:{e.Partition}";
            var last = next.TryGetValue(key, out var text) && long.TryParse(text, CultureInfo.InvariantCulture, out var n) ? n : -1;
            if (e.SequenceNumber <= last)
            {
                continue; // redelivered
            }

            next[key] = e.SequenceNumber.ToString(CultureInfo.InvariantCulture);
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
