namespace Gale.Triggers;

/// <summary>Port: does a blob (or any blob under a prefix) exist? Azure: the storage account's blob service.</summary>
public interface IObjectProbe
{
    /// <summary>True when <paramref name="container"/> holds <paramref name="name"/> (or, with <paramref name="isPrefix"/>, any blob starting with it).</summary>
    Task<bool> ExistsAsync(string container, string name, bool isPrefix, CancellationToken cancellationToken = default);
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
}
