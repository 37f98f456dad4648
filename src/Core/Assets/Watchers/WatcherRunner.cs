using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Assets.Watchers;

/// <summary>What one watcher cycle did.</summary>
/// <param name="Changes">Changes found (and published).</param>
/// <param name="NewEvents">Events that were new to the event store.</param>
/// <param name="Watermark">The watermark after the cycle.</param>
public sealed record WatcherCycle(int Changes, int NewEvents, Watermark Watermark);

/// <summary>
/// Runs watchers with the exactly-once protocol: read the watermark, find the changes after it, publish their events
/// (stored and queued, idempotent by id), then move the watermark with its ETag. When another instance moved it first,
/// the cycle starts again from the new watermark; what this instance published had the same ids and was dropped.
/// </summary>
/// <param name="publisher">Where events go.</param>
/// <param name="watermarks">The watermarks.</param>
/// <param name="context">What watchers use.</param>
/// <param name="instanceId">This instance, recorded on the watermarks it moves.</param>
/// <param name="log">Logs.</param>
public sealed partial class WatcherRunner(AssetEventPublisher publisher, IWatermarkStore watermarks, WatcherContext context, string instanceId, ILogger? log = null)
{
    private const int MaxRaces = 20;
    private readonly ILogger _log = log ?? NullLogger.Instance;

    /// <summary>The context watchers get.</summary>
    public WatcherContext Context => context;

    /// <summary>Polls <paramref name="watcher"/> once and commits what it found.</summary>
    public Task<WatcherCycle> PollOnceAsync(AssetWatcher watcher, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        return CommitAsync(watcher, mark => watcher.PollAsync(context, mark, cancellationToken), cancellationToken);
    }

    /// <summary>Commits changes pushed to <paramref name="watcher"/> (an Event Hubs batch): <paramref name="select"/> picks those after the watermark.</summary>
    public Task<WatcherCycle> PushAsync(AssetWatcher watcher, Func<Watermark, WatcherPoll> select, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(watcher);
        ArgumentNullException.ThrowIfNull(select);
        return CommitAsync(watcher, mark => Task.FromResult(select(mark)), cancellationToken);
    }

    /// <summary>
    /// Resets the watermark of <paramref name="watcher"/> to replay from <paramref name="since"/> (null: from the
    /// beginning) and starts a new epoch, so replayed changes become new events.
    /// </summary>
    public static async Task<Watermark> ResetAsync(IWatermarkStore watermarks, AssetWatcher watcher, DateTimeOffset? since, DateTimeOffset now, string by, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(watermarks);
        ArgumentNullException.ThrowIfNull(watcher);
        for (var attempt = 0; attempt < MaxRaces; attempt++)
        {
            var current = await watermarks.GetAsync(watcher.Name, cancellationToken);
            var next = current with { Values = watcher.ResetValues(since), Epoch = current.Epoch + 1, EventsEmitted = 0, UpdatedAt = now, UpdatedBy = by };
            if (await watermarks.TryReplaceAsync(watcher.Name, next, cancellationToken) is { } stored)
            {
                return stored;
            }
        }

        throw new InvalidOperationException($"watcher '{watcher.Name}': could not reset the watermark, it keeps moving");
    }

    private async Task<WatcherCycle> CommitAsync(AssetWatcher watcher, Func<Watermark, Task<WatcherPoll>> find, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxRaces; attempt++)
        {
            var mark = await watermarks.GetAsync(watcher.Name, cancellationToken);
            var poll = await find(mark);
            if (poll.Changes.Count == 0 && SameValues(poll.Next, mark.Values))
            {
                return new WatcherCycle(0, 0, mark);
            }

            var events = poll.Changes
                .SelectMany(change => watcher.Assets.Select(asset => new AssetEvent(watcher.EventId(mark.Epoch, change, asset.Uri), asset.Uri, AssetEventSource.Watcher, change.At) { Extra = change.Extra, Watcher = watcher.Name }))
                .ToList();

            // The events are stored before the watermark moves: a crash between the two re-emits the same ids.
            var added = await publisher.PublishAsync(events, cancellationToken);
            var values = poll.Next;
            for (var rebase = 0; rebase < MaxRaces; rebase++)
            {
                var next = mark with { Values = values, EventsEmitted = mark.EventsEmitted + events.Count, UpdatedAt = context.Clock.GetUtcNow(), UpdatedBy = instanceId };
                if (await watermarks.TryReplaceAsync(watcher.Name, next, cancellationToken) is { } stored)
                {
                    await watcher.AcknowledgeAsync(context, poll, cancellationToken);
                    if (poll.Changes.Count > 0)
                    {
                        LogCycle(_log, watcher.Name, poll.Changes.Count, added);
                    }

                    return new WatcherCycle(poll.Changes.Count, added, stored);
                }

                // Another instance moved it. Watchers whose changes are their own (queue messages) add them on top of
                // the winner's watermark; the others poll again from it.
                var latest = await watermarks.GetAsync(watcher.Name, cancellationToken);
                if (latest.Epoch != mark.Epoch || watcher.Rebase(latest, poll) is not { } rebased)
                {
                    break;
                }

                (mark, values) = (latest, rebased);
            }

            LogRace(_log, watcher.Name);
        }

        throw new InvalidOperationException($"watcher '{watcher.Name}': lost {MaxRaces} watermark races in a row");
    }

    private static bool SameValues(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watcher {Watcher}: {Changes} changes, {Added} new asset events")]
    private static partial void LogCycle(ILogger logger, string watcher, int changes, int added);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Watcher {Watcher}: another instance moved the watermark first; polling again from it")]
    private static partial void LogRace(ILogger logger, string watcher);
}
