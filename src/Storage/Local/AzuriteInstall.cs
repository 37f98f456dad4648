using System.Diagnostics;

namespace Gale.Storage.Local;

/// <summary>
/// Finds Gale's pinned Azurite (tools/azurite, installed from its npm lockfile) and installs it with <c>npm ci</c> on first use.
/// A lock file serialises installs, so parallel test processes do not race.
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
    public static string FindToolDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return File.Exists(Path.Combine(fromEnvironment, "run.js"))
                ? Path.GetFullPath(fromEnvironment)
                : throw new InvalidOperationException($"{DirectoryVariable}={fromEnvironment} holds no run.js.");
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativeToolPath);
                if (File.Exists(Path.Combine(candidate, "run.js")) && File.Exists(Path.Combine(candidate, "package-lock.json")))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException(
            $"Could not find Gale's Azurite launcher ({RelativeToolPath}/run.js) above '{Directory.GetCurrentDirectory()}' or '{AppContext.BaseDirectory}'. " +
            $"Run from a Gale checkout, set {DirectoryVariable}, or configure a storage connection string instead.");
    }

    /// <summary>Runs <c>npm ci</c> in <paramref name="toolDirectory"/> unless Azurite is already installed there.</summary>
    /// <returns>The path of the launcher script (run.js).</returns>
    public static async Task<string> EnsureInstalledAsync(string toolDirectory, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var runJs = Path.Combine(toolDirectory, "run.js");
        var marker = Path.Combine(toolDirectory, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (File.Exists(marker))
        {
            return runJs;
        }

        var lockPath = Path.Combine(toolDirectory, ".install.lock");
        await using var installLock = await AcquireLockAsync(lockPath, cancellationToken);
        if (File.Exists(marker))
        {
            return runJs;
        }

        log?.Invoke($"Installing Azurite from {Path.Combine(toolDirectory, "package-lock.json")} (npm ci)…");
        var psi = new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error")
        {
            WorkingDirectory = toolDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("npm did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("Gale needs Node.js 20 and npm to run Azurite locally, and 'npm' was not found on PATH.", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0 || !File.Exists(marker))
            {
                throw new InvalidOperationException($"npm ci in {toolDirectory} failed with exit code {process.ExitCode}:\n{await stderr}\n{await stdout}");
            }
        }

        return runJs;
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(250, cancellationToken);
            }
        }
    }
}
