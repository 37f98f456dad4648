using System.Collections.Concurrent;

namespace Gale.Triggers;

/// <summary>A value a trigger stored, with the version to update it by.</summary>
/// <param name="Value">The value.</param>
/// <param name="Version">The version (an ETag in Azure).</param>
public sealed record TriggerStateEntry(string Value, string Version);

/// <summary>
/// Port: state custom triggers keep between checks and across restarts (a cursor, a last-seen id), addressed by
/// namespace, name and key, and updated with optimistic concurrency so two checks never both win. Azure: the
/// <c>triggerstate</c> table, one entity per key, updated with If-Match.
/// </summary>
public interface ITriggerStateStore
{
    /// <summary>The entry, or null.</summary>
    Task<TriggerStateEntry?> GetAsync(string ns, string name, string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="value"/>: creates the entry when <paramref name="version"/> is null, otherwise replaces
    /// it only if it still has that version. Returns the new version, or null when another writer got there first.
    /// </summary>
    Task<string?> TrySetAsync(string ns, string name, string key, string value, string? version, CancellationToken cancellationToken = default);

    /// <summary>Deletes the entry; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string ns, string name, string key, CancellationToken cancellationToken = default);
}

/// <summary>Trigger state in memory, for tests and <c>gale dags test</c>.</summary>
public sealed class InMemoryTriggerStateStore : ITriggerStateStore
{
    private readonly ConcurrentDictionary<(string, string, string), TriggerStateEntry> _entries = new();
    private long _version;

    /// <inheritdoc />
    public Task<TriggerStateEntry?> GetAsync(string ns, string name, string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_entries.GetValueOrDefault((ns, name, key)));

    /// <inheritdoc />
    public Task<string?> TrySetAsync(string ns, string name, string key, string value, string? version, CancellationToken cancellationToken = default)
    {
        var next = new TriggerStateEntry(value, Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (version is null)
        {
            return Task.FromResult(_entries.TryAdd((ns, name, key), next) ? next.Version : null);
        }

        return Task.FromResult(_entries.TryGetValue((ns, name, key), out var current) && current.Version == version && _entries.TryUpdate((ns, name, key), next, current) ? next.Version : null);
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string ns, string name, string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_entries.TryRemove((ns, name, key), out _));
}
