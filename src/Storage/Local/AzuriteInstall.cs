namespace Gale.Storage.Local;

/// <summary>
/// Finds Gale's pinned Azurite (tools/azurite, installed from its npm lockfile) and installs it with <c>npm ci</c> on first use
/// (see <see cref="NpmToolInstall"/>).
/// </summary>
public static class AzuriteInstall
{
    /// <summary>Environment variable that points at a folder holding Gale's Azurite package.json and run.js.</summary>
    public const string DirectoryVariable = "GALE_AZURITE_DIR";

    private const string RelativeToolPath = "tools/azurite";

    /// <summary>
    /// Locates the tool folder: <c>GALE_AZURITE_DIR</c>, then <c>tools/azurite</c> in the current directory, the
    /// application directory, or any of their parents.
    /// </summary>
    /// <exception cref="InvalidOperationException">No folder was found; the message says where Gale looked.</exception>
    public static string FindToolDirectory() =>
        NpmToolInstall.FindToolDirectory(RelativeToolPath, "run.js", DirectoryVariable)
        ?? throw new InvalidOperationException(
            $"Could not find Gale's Azurite launcher ({RelativeToolPath}/run.js) above '{Directory.GetCurrentDirectory()}' or '{AppContext.BaseDirectory}'. " +
            $"Run from a Gale checkout, set {DirectoryVariable}, or configure a storage connection string instead.");

    /// <summary>Runs <c>npm ci</c> in <paramref name="toolDirectory"/> unless Azurite is already installed there.</summary>
    /// <returns>The path of the launcher script (run.js).</returns>
    public static async Task<string> EnsureInstalledAsync(string toolDirectory, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        await NpmToolInstall.EnsureInstalledAsync(toolDirectory, Path.Combine("node_modules", "azurite", "dist", "src", "azurite.js"), "Azurite", log, cancellationToken);
        return Path.Combine(toolDirectory, "run.js");
    }
}
