using System.Collections.Concurrent;

namespace Gale.Assets.Watchers;

/// <summary>
/// How far a watcher has seen its source: watcher-defined key/values (for blobs the last-modified instant and the
/// blobs seen around it; for Event Hubs a sequence number per partition). <see cref="Epoch"/> goes up on every reset,
/// and event ids include it, so a replay after a reset emits new events instead of being deduplicated.
/// </summary>
public sealed record Watermark
{
    /// <summary>The watcher-defined position.</summary>
    public IReadOnlyDictionary<string, string> Values { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Resets so far.</summary>
    public int Epoch { get; init; }

    /// <summary>Asset events this watcher has emitted in this epoch (each counted once: by the watermark move that covers its change).</summary>
    public long EventsEmitted { get; init; }

    /// <summary>When it last moved.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>The instance that last moved it.</summary>
    public string? UpdatedBy { get; init; }

    /// <summary>Opaque concurrency token (the entity's ETag); null when never stored.</summary>
    public string? Version { get; init; }

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    public string? Get(string key) => Values.TryGetValue(key, out var value) ? value : null;
}

/// <summary>Port: watcher watermarks with optimistic concurrency. Azure: the <c>watermarks</c> table.</summary>
public interface IWatermarkStore
{
    /// <summary>The watermark of <paramref name="watcher"/> (an empty one, without a version, when none is stored).</summary>
    Task<Watermark> GetAsync(string watcher, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="next"/> if the stored watermark still has <paramref name="next"/>'s version (none stored when null).</summary>
    /// <returns>The stored watermark with its new version, or null when another instance moved it first.</returns>
    Task<Watermark?> TryReplaceAsync(string watcher, Watermark next, CancellationToken cancellationToken = default);

    /// <summary>Every stored watermark by watcher name.</summary>
    Task<IReadOnlyDictionary<string, Watermark>> ListAsync(CancellationToken cancellationToken = default);
}

/// <summary>Watermarks in memory, for tests and <c>gale dags test</c>.</summary>
public sealed class InMemoryWatermarkStore : IWatermarkStore
{
    private readonly ConcurrentDictionary<string, Watermark> _marks = new(StringComparer.Ordinal);
    private long _version;

    /// <inheritdoc />
    public Task<Watermark> GetAsync(string watcher, CancellationToken cancellationToken = default) =>
        Task.FromResult(_marks.TryGetValue(watcher, out var mark) ? mark : new Watermark());

    /// <inheritdoc />
    public Task<Watermark?> TryReplaceAsync(string watcher, Watermark next, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(next);
        var stored = next with { Version = Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var won = next.Version is null
            ? _marks.TryAdd(watcher, stored)
            : _marks.TryGetValue(watcher, out var current) && current.Version == next.Version && _marks.TryUpdate(watcher, stored, current);
        return Task.FromResult(won ? stored : null);
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, Watermark>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyDictionary<string, Watermark>>(new SortedDictionary<string, Watermark>(_marks, StringComparer.Ordinal));
}
