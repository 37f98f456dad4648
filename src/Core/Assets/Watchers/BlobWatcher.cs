using System.Globalization;
using System.Text.Json;

namespace Gale.Assets.Watchers;

/// <summary>
/// Watches blobs under a container and prefix: every new blob and every new version of a blob (a new ETag) is one
/// change. The watermark is the newest last-modified instant emitted plus the blobs (name and ETag) seen within
/// <see cref="Settle"/> before it: last-modified times have one-second precision and a blob may be listed a moment
/// after another with a later time, so blobs at or just before the watermark are told apart by name, not time. The
/// watermark never passes the time a listing started; <see cref="Settle"/> must exceed the clock skew between this host
/// and the storage service.
/// </summary>
public sealed class BlobWatcher : AssetWatcher
{
    private const string AtKey = "at";
    private const string SeenKey = "seen";

    /// <summary>Creates a blob watcher.</summary>
    /// <param name="name">The watcher's name.</param>
    /// <param name="assets">The assets a new blob updates.</param>
    /// <param name="container">The container.</param>
    /// <param name="prefix">Only blobs whose names start with this.</param>
    public BlobWatcher(string name, IReadOnlyList<Asset> assets, string container, string prefix = "")
        : base(name, assets)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(container);
        Container = container;
        Prefix = prefix ?? string.Empty;
    }

    /// <summary>The container.</summary>
    public string Container { get; }

    /// <summary>The name prefix.</summary>
    public string Prefix { get; }

    /// <summary>How far before the watermark blobs are still compared by name (late listings).</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Most changes one poll emits; the rest come on the next poll.</summary>
    public int MaxChangesPerPoll { get; init; } = 5000;

    /// <inheritdoc />
    public override string Kind => "blob";

    /// <inheritdoc />
    public override string Source => $"{Container}/{Prefix}";

    /// <inheritdoc />
    public override async Task<WatcherPoll> PollAsync(WatcherContext context, Watermark watermark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(watermark);
        var at = watermark.Get(AtKey) is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : DateTimeOffset.MinValue;
        var seen = watermark.Get(SeenKey) is { } json ? JsonSerializer.Deserialize<Dictionary<string, long>>(json) ?? [] : [];
        var threshold = at == DateTimeOffset.MinValue ? at : at - Settle;

        // A listing takes a while and goes in name order: a blob committed while it ran may be missing from an early
        // page though a later page shows a newer one. The watermark never passes the listing's start, so such a blob
        // is still within the settle window next time.
        var listedFrom = context.Clock.GetUtcNow();
        var found = new List<(string Key, Triggers.ObjectInfo Blob)>();
        await foreach (var blob in context.Services.Objects.ListAsync(Container, Prefix, cancellationToken))
        {
            var key = $"{blob.Name}@{Version(blob)}";
            if (blob.LastModified >= threshold && !seen.ContainsKey(key))
            {
                found.Add((key, blob));
            }
        }

        var taken = found.OrderBy(f => f.Blob.LastModified).ThenBy(f => f.Key, StringComparer.Ordinal).Take(MaxChangesPerPoll).ToList();
        var newest = taken.Count == 0 ? at : taken.Max(f => f.Blob.LastModified);
        var newAt = newest > listedFrom ? listedFrom : newest;
        newAt = newAt > at ? newAt : at;
        var newSeen = seen.Concat(taken.Select(f => KeyValuePair.Create(f.Key, f.Blob.LastModified.ToUnixTimeMilliseconds())))
            .Where(p => p.Value >= (newAt - Settle).ToUnixTimeMilliseconds())
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

        var next = new Dictionary<string, string>(StringComparer.Ordinal) { [SeenKey] = JsonSerializer.Serialize(newSeen) };
        if (newAt != DateTimeOffset.MinValue)
        {
            next[AtKey] = newAt.ToString("O", CultureInfo.InvariantCulture);
        }

        var changes = taken.Select(f => new WatchedChange(f.Key, f.Blob.LastModified)
        {
            Extra = JsonSerializer.Serialize(new { container = Container, name = f.Blob.Name, etag = Version(f.Blob), size = f.Blob.Size, last_modified = f.Blob.LastModified }),
        }).ToList();
        return new WatcherPoll(changes, next);
    }

    private static string Version(Triggers.ObjectInfo blob) => blob.ETag.Trim('"');

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, string> ResetValues(DateTimeOffset? since) =>
        since is { } at
            ? new Dictionary<string, string>(StringComparer.Ordinal) { [AtKey] = at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture), [SeenKey] = "{}" }
            : new Dictionary<string, string>(StringComparer.Ordinal);
}
