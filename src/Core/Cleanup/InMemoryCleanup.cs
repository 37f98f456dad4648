using System.Collections.Concurrent;
using Gale.Runs;

namespace Gale.Cleanup;

/// <summary>Registrations in memory, for tests and <c>gale dags test</c>.</summary>
public sealed class InMemoryCleanupRegistry : ICleanupRegistry
{
    private readonly ConcurrentDictionary<RunKey, ConcurrentDictionary<CleanupItem, byte>> _items = new();

    /// <inheritdoc />
    public Task RegisterAsync(RunKey run, CleanupItem item, CancellationToken cancellationToken = default)
    {
        _items.GetOrAdd(run, _ => new())[item] = 0;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<CleanupItem>> ListAsync(RunKey run, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<CleanupItem>>(_items.TryGetValue(run, out var items) ? [.. items.Keys] : []);
}

/// <summary>Blobs as files under <c>root/container/</c> and tables as files <c>root/tables/name</c>, for <c>gale dags test</c> and tests.</summary>
public sealed class LocalArtifactStore(string root) : IArtifactStore
{
    /// <inheritdoc />
    public Task<int> DeleteBlobPrefixAsync(string container, string prefix, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(root, container);
        if (!Directory.Exists(folder))
        {
            return Task.FromResult(0);
        }

        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetRelativePath(folder, f).Replace('\\', '/').StartsWith(prefix, StringComparison.Ordinal)).ToList();
        files.ForEach(File.Delete);
        return Task.FromResult(files.Count);
    }

    /// <inheritdoc />
    public Task<bool> DeleteTableAsync(string table, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(root, "tables", table);
        var existed = File.Exists(path);
        File.Delete(path);
        return Task.FromResult(existed);
    }
}
