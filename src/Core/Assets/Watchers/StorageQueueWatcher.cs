using System.Text.Json;
using Gale.Engine;

namespace Gale.Assets.Watchers;

/// <summary>
/// Watches an Azure Storage queue: every message is one change (its id is the change key, so a message delivered
/// again after a crash is the same event). Messages are deleted only after their events are stored and the watermark
/// moved. A JSON-object message becomes the event's extra; any other text becomes <c>{"body": text}</c>.
/// </summary>
public sealed class StorageQueueWatcher : AssetWatcher
{
    /// <summary>Creates a queue watcher.</summary>
    /// <param name="name">The watcher's name.</param>
    /// <param name="assets">The assets a message updates.</param>
    /// <param name="queue">The queue's name.</param>
    public StorageQueueWatcher(string name, IReadOnlyList<Asset> assets, string queue)
        : base(name, assets)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        Queue = queue;
    }

    /// <summary>The queue.</summary>
    public string Queue { get; }

    /// <summary>Messages taken per poll (at most 32, the service's limit).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>How long received messages stay hidden while their events are stored.</summary>
    public TimeSpan Visibility { get; init; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public override string Kind => "queue";

    /// <inheritdoc />
    public override string Source => Queue;

    /// <inheritdoc />
    public override async Task<WatcherPoll> PollAsync(WatcherContext context, Watermark watermark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(watermark);
        var queue = context.Services.MessageQueues(Queue);
        var messages = await queue.ReceiveAsync(Math.Clamp(BatchSize, 1, 32), Visibility, cancellationToken);
        var now = context.Clock.GetUtcNow();
        var changes = messages.Select(m => new WatchedChange(m.MessageId, now) { Extra = AsExtra(m.Body) }).ToList();
        var next = Counted(watermark, messages, now);
        return new WatcherPoll(changes, next) { State = messages };
    }

    /// <summary>Each instance receives its own messages, so a lost watermark race only needs the counts added up.</summary>
    public override IReadOnlyDictionary<string, string>? Rebase(Watermark latest, WatcherPoll poll)
    {
        ArgumentNullException.ThrowIfNull(latest);
        ArgumentNullException.ThrowIfNull(poll);
        var messages = poll.State as IReadOnlyList<QueueMessageHandle> ?? [];
        return Counted(latest, messages, poll.Changes.Count > 0 ? poll.Changes[^1].At : default); // every change carries the receive time
    }

    /// <inheritdoc />
    public override async Task AcknowledgeAsync(WatcherContext context, WatcherPoll poll, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(poll);
        var queue = context.Services.MessageQueues(Queue);
        foreach (var message in poll.State as IReadOnlyList<QueueMessageHandle> ?? [])
        {
            await queue.DeleteAsync(message, cancellationToken);
        }
    }

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, string> ResetValues(DateTimeOffset? since) =>
        since is null ? new Dictionary<string, string>(StringComparer.Ordinal) : throw new ArgumentException("a queue watcher cannot replay from a time: deleted messages are gone", nameof(since));

    private static Dictionary<string, string> Counted(Watermark watermark, IReadOnlyList<QueueMessageHandle> messages, DateTimeOffset now)
    {
        var next = new Dictionary<string, string>(watermark.Values, StringComparer.Ordinal);
        if (messages.Count > 0)
        {
            var received = long.TryParse(watermark.Get("received"), out var n) ? n : 0;
            next["received"] = (received + messages.Count).ToString(System.Globalization.CultureInfo.InvariantCulture);
            next["last_message_id"] = messages[^1].MessageId;
            next["last_received_at"] = now.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        }

        return next;
    }

    private static string AsExtra(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                return doc.RootElement.GetRawText();
            }
        }
        catch (JsonException)
        {
            // plain text
        }

        return JsonSerializer.Serialize(new { body });
    }
}
