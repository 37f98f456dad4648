using Gale.Engine;

namespace Gale.Assets.Watchers;

/// <summary>One change a watcher saw; it becomes one asset event per asset the watcher is bound to.</summary>
/// <param name="Key">Identifies the change within the watcher (a blob name and ETag, a message id, a partition and sequence number); part of the event id.</param>
/// <param name="At">When the change happened (the event's timestamp).</param>
public sealed record WatchedChange(string Key, DateTimeOffset At)
{
    /// <summary>The event's extra payload (a JSON object).</summary>
    public string Extra { get; init; } = "{}";
}

/// <summary>What a poll found: the changes after the watermark it was given and the watermark that covers them.</summary>
/// <param name="Changes">New changes, oldest first.</param>
/// <param name="Next">The watermark values once these changes are emitted.</param>
public sealed record WatcherPoll(IReadOnlyList<WatchedChange> Changes, IReadOnlyDictionary<string, string> Next)
{
    /// <summary>Anything the watcher needs again in <see cref="AssetWatcher.AcknowledgeAsync"/> (e.g. queue receipts).</summary>
    public object? State { get; init; }
}

/// <summary>What watchers may use: Gale's task services (blobs, queues), the clock.</summary>
/// <param name="Services">Storage-backed services.</param>
/// <param name="Clock">The clock.</param>
public sealed record WatcherContext(TaskServices Services, TimeProvider Clock);

/// <summary>
/// An asset watcher (Airflow's AssetWatcher): binds an outside source of changes to one or more assets. Subclass it
/// for your own source: <see cref="PollAsync"/> returns the changes after a watermark and the watermark that covers
/// them; Gale emits one asset event per change and asset (its id derived from the watcher, the watermark epoch, the
/// change key and the asset), stores the events, and only then moves the watermark in Table Storage with an ETag. A
/// crash in between re-emits the same ids, which are deduplicated, and two instances polling at once emit the same
/// ids, so every change becomes exactly one event.
/// </summary>
public abstract class AssetWatcher
{
    /// <summary>Creates a watcher.</summary>
    /// <param name="name">Unique across the deployment; it names the watermark and is part of every event id.</param>
    /// <param name="assets">The assets each change updates.</param>
    protected AssetWatcher(string name, IReadOnlyList<Asset> assets)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(assets);
        if (assets.Count == 0)
        {
            throw new ArgumentException($"watcher '{name}' needs at least one asset", nameof(assets));
        }

        Name = name;
        Assets = assets;
    }

    /// <summary>The watcher's name.</summary>
    public string Name { get; }

    /// <summary>The assets it updates.</summary>
    public IReadOnlyList<Asset> Assets { get; }

    /// <summary>The kind shown by <c>gale watchers list</c> (blob, queue, eventhub, or the class name).</summary>
    public virtual string Kind => GetType().Name;

    /// <summary>What it watches, for people.</summary>
    public virtual string Source => string.Empty;

    /// <summary>Time between polls; <see cref="Timeout.InfiniteTimeSpan"/> for watchers that are fed (Event Hubs).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Returns the changes after <paramref name="watermark"/> and the watermark values that cover them. It may be
    /// called by several instances at once and its result may be thrown away (another instance won), so it must not
    /// consume anything irrevocably: do that in <see cref="AcknowledgeAsync"/>.
    /// </summary>
    public abstract Task<WatcherPoll> PollAsync(WatcherContext context, Watermark watermark, CancellationToken cancellationToken);

    /// <summary>Called after the poll's events are stored and the watermark moved (e.g. to delete queue messages).</summary>
    public virtual Task AcknowledgeAsync(WatcherContext context, WatcherPoll poll, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// When another instance moved the watermark while this poll's events were being stored: the values that add this
    /// poll on top of <paramref name="latest"/>, or null (the default) to throw the poll away and poll again from
    /// <paramref name="latest"/>. Watchers whose polls take changes no one else sees (queue messages) rebase.
    /// </summary>
    public virtual IReadOnlyDictionary<string, string>? Rebase(Watermark latest, WatcherPoll poll) => null;

    /// <summary>The watermark values a reset to <paramref name="since"/> starts from (null: from the beginning).</summary>
    public virtual IReadOnlyDictionary<string, string> ResetValues(DateTimeOffset? since) => new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The id of the event for <paramref name="change"/> on <paramref name="assetUri"/> in <paramref name="epoch"/>.</summary>
    public string EventId(int epoch, WatchedChange change, string assetUri)
    {
        ArgumentNullException.ThrowIfNull(change);
        return $"watcher:{Name}:{epoch}:{change.Key}:{assetUri}";
    }
}
