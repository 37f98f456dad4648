using System.Net;
using System.Security.Cryptography;

namespace Gale.Host.Hosting;

/// <summary>
/// The admin API key a local <c>gale serve</c> makes for itself on its first start when no authentication is
/// configured, as <c>airflow standalone</c> makes an admin password: kept in <c>.gale/api-key</c> (readable by its
/// owner only) in the folder Gale runs from, reused on later starts, and picked up by the CLI's <c>--api</c>.
/// </summary>
internal static class FirstRunKey
{
    /// <summary>The file, relative to the folder Gale runs from.</summary>
    public static readonly string RelativePath = Path.Combine(".gale", "api-key");

    /// <summary>The key stored under <paramref name="folder"/>, creating one when there is none.</summary>
    /// <returns>The key, and whether this call created it.</returns>
    public static (string Key, bool Created) GetOrCreate(string folder)
    {
        if (Read(folder) is { } existing)
        {
            return (existing, false);
        }

        var path = Path.Combine(folder, RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = "gale_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        // Written whole to a private temporary file, then moved into place: a reader never sees half a key.
        var temporary = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temporary, options))
        {
            writer.Write(key);
        }

        try
        {
            // A file that holds no usable key (empty, truncated) is replaced; a good one is never overwritten.
            File.Move(temporary, path, overwrite: File.Exists(path) && Read(folder) is null);
        }
        catch (IOException) when (TryRead(folder) is { } raced)
        {
            return (raced, false); // another gale serve in this folder wrote it first
        }
        finally
        {
            File.Delete(temporary);
        }

        return (key, true);
    }

    /// <summary>The key stored under <paramref name="folder"/>, or null.</summary>
    /// <exception cref="IOException">The file is a link, or others may read or write it: a key someone else could
    /// have planted or read is never used (delete the file to get a new one).</exception>
    public static string? Read(string folder)
    {
        var path = Path.Combine(folder, RelativePath);
        var file = new FileInfo(path);
        if (file.LinkTarget is not null)
        {
            throw new IOException($"{path} is a symbolic link; Gale only uses a key file it wrote itself. Delete it to get a new key.");
        }

        if (!file.Exists)
        {
            return null;
        }

        if (!OperatingSystem.IsWindows() && (file.UnixFileMode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new IOException($"{path} may be read or written by other users (mode {Convert.ToString((int)file.UnixFileMode, 8)}); Gale only uses a key file that is private to you. Delete it to get a new key, or chmod 600 it.");
        }

        var key = File.ReadAllText(path).Trim();
        return key.Length >= 16 ? key : null;
    }

    /// <summary>The key stored under <paramref name="folder"/>, or null when there is none or it is not safe to use.</summary>
    public static string? TryRead(string folder)
    {
        try
        {
            return Read(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>True for an address only this machine can reach (127.0.0.0/8, ::1, localhost).</summary>
    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(Unbracketed(host), out var address) && IPAddress.IsLoopback(address));

    /// <summary>An IPv6 address without the brackets a URL puts around it (<c>[::1]</c> → <c>::1</c>).</summary>
    public static string Unbracketed(string host) => host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
}
