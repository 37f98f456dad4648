namespace Gale.Triggers;

/// <summary>One blob as a listing shows it.</summary>
/// <param name="Name">Its name in the container.</param>
/// <param name="ETag">Its version.</param>
/// <param name="LastModified">When this version was written.</param>
/// <param name="Size">Bytes.</param>
public sealed record ObjectInfo(string Name, string ETag, DateTimeOffset LastModified, long Size);

/// <summary>Port: blobs sensors wait for and watchers list. Azure: the storage account's blob service.</summary>
public interface IObjectProbe
{
    /// <summary>True when <paramref name="container"/> holds <paramref name="name"/> (or, with <paramref name="isPrefix"/>, any blob starting with it).</summary>
    Task<bool> ExistsAsync(string container, string name, bool isPrefix, CancellationToken cancellationToken = default);

    /// <summary>Every blob of <paramref name="container"/> whose name starts with <paramref name="prefix"/> (none when the container does not exist).</summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string container, string prefix, CancellationToken cancellationToken = default);
}

/// <summary>Blobs as a folder of the local disk (<c>root/container/name</c>), for <c>gale dags test</c> and unit tests.</summary>
public sealed class LocalObjectProbe(string root) : IObjectProbe
{
    /// <inheritdoc />
    public Task<bool> ExistsAsync(string container, string name, bool isPrefix, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(root, container);
        if (!isPrefix)
        {
            return Task.FromResult(File.Exists(Path.Combine(folder, name)));
        }

        return Task.FromResult(Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Any(f => Path.GetRelativePath(folder, f).Replace('\\', '/').StartsWith(name, StringComparison.Ordinal)));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string container, string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(root, container);
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetRelativePath(folder, file).Replace('\\', '/');
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                var info = new FileInfo(file);
                var modified = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
                yield return new ObjectInfo(name, $"{modified.UtcTicks:x}-{info.Length:x}", modified, info.Length);
            }
        }

        await Task.CompletedTask;
    }
}
