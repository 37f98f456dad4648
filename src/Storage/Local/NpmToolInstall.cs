using System.Diagnostics;

namespace Gale.Storage.Local;

/// <summary>
/// Finds a Node tool folder of Gale's (a package.json and package-lock.json under <c>tools/</c>) and installs it with
/// <c>npm ci</c> on first use. A lock file in the folder serialises installs, so parallel processes do not race.
/// Azurite (tools/azurite) and the browser tests' playwright-core (tools/browser) are installed this way.
/// </summary>
public static class NpmToolInstall
{
    /// <summary>
    /// Locates a tool folder: the folder named by <paramref name="directoryVariable"/> when set, else
    /// <paramref name="relativeToolPath"/> in the current directory, the application directory, or any of their parents.
    /// A folder counts when it holds <paramref name="requiredFile"/> and package-lock.json.
    /// </summary>
    /// <returns>The full path of the folder, or null when none was found.</returns>
    /// <exception cref="InvalidOperationException">The environment variable names a folder without <paramref name="requiredFile"/>.</exception>
    public static string? FindToolDirectory(string relativeToolPath, string requiredFile, string? directoryVariable = null)
    {
        var fromEnvironment = directoryVariable is null ? null : Environment.GetEnvironmentVariable(directoryVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return File.Exists(Path.Combine(fromEnvironment, requiredFile))
                ? Path.GetFullPath(fromEnvironment)
                : throw new InvalidOperationException($"{directoryVariable}={fromEnvironment} holds no {requiredFile}.");
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relativeToolPath);
                if (File.Exists(Path.Combine(candidate, requiredFile)) && File.Exists(Path.Combine(candidate, "package-lock.json")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Runs <c>npm ci</c> in <paramref name="toolDirectory"/> unless <paramref name="installedMarker"/> (a path relative
    /// to the folder, such as <c>node_modules/pkg/package.json</c>) already exists.
    /// </summary>
    /// <param name="toolDirectory">The folder holding package.json and package-lock.json.</param>
    /// <param name="installedMarker">A file that exists once the install is complete, relative to the folder.</param>
    /// <param name="displayName">The tool's name in messages.</param>
    /// <param name="log">Receives a line when an install starts.</param>
    /// <param name="cancellationToken">Cancels waiting for the lock and for npm.</param>
    /// <exception cref="InvalidOperationException">npm is missing or failed; the message holds its output.</exception>
    public static async Task EnsureInstalledAsync(string toolDirectory, string installedMarker, string displayName, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var marker = Path.Combine(toolDirectory, installedMarker);
        if (File.Exists(marker))
        {
            return;
        }

        var lockPath = Path.Combine(toolDirectory, ".install.lock");
        await using var installLock = await AcquireLockAsync(lockPath, cancellationToken);
        if (File.Exists(marker))
        {
            return;
        }

        log?.Invoke($"Installing {displayName} from {Path.Combine(toolDirectory, "package-lock.json")} (npm ci)…");
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
            throw new InvalidOperationException($"Gale needs Node.js 20 and npm to install {displayName}, and 'npm' was not found on PATH.", e);
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
