using System.Net;
using System.Security.Cryptography;

namespace Gale.Functions.Hosting;

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
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(path, options);
            writer.Write(key);
        }
        catch (IOException) when (File.Exists(path) && Read(folder) is { } raced)
        {
            return (raced, false); // another gale serve in this folder wrote it first
        }

        return (key, true);
    }

    /// <summary>The key stored under <paramref name="folder"/>, or null.</summary>
    public static string? Read(string folder)
    {
        var path = Path.Combine(folder, RelativePath);
        if (!File.Exists(path))
        {
            return null;
        }

        var key = File.ReadAllText(path).Trim();
        return key.Length >= 16 ? key : null;
    }

    /// <summary>True for an address only this machine can reach (127.0.0.0/8, ::1, localhost).</summary>
    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
}
