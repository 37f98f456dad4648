using Gale.Storage.Local;

namespace Gale.Host.Tests.Browser;

/// <summary>
/// What the browser tests need from the machine: a Chromium (found, never downloaded) and Gale's pinned playwright-core
/// (tools/browser, installed from its lockfile with <c>npm ci</c> on first use, like Azurite).
/// </summary>
internal static class BrowserEnvironment
{
    /// <summary>Environment variable naming the Chromium (or Chrome) executable to use.</summary>
    public const string ChromiumVariable = "GALE_CHROMIUM";

    /// <summary>Environment variable naming the folder to write screenshots and the report into.</summary>
    public const string ScreenshotsVariable = "GALE_UI_SCREENSHOTS";

    private static readonly string[] FixedPaths = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
    private static readonly string[] PathNames = ["google-chrome", "google-chrome-stable"];

    /// <summary>The Chromium this machine has, or null.</summary>
    public static string? Chromium { get; } = FindChromium(Environment.GetEnvironmentVariable, File.Exists);

    /// <summary>True when running under CI (<c>CI=true</c>), where a missing Chromium fails instead of skipping.</summary>
    public static bool IsCi => IsCiValue(Environment.GetEnvironmentVariable("CI"));

    /// <summary>
    /// Finds Chromium: <c>GALE_CHROMIUM</c> (which must exist when set), <c>/usr/bin/chromium</c>,
    /// <c>/usr/bin/chromium-browser</c>, then <c>google-chrome</c> or <c>google-chrome-stable</c> on PATH.
    /// </summary>
    public static string? FindChromium(Func<string, string?> environment, Func<string, bool> fileExists)
    {
        var configured = environment(ChromiumVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return fileExists(configured) ? configured : null;
        }

        foreach (var path in FixedPaths)
        {
            if (fileExists(path))
            {
                return path;
            }
        }

        var searchPath = environment("PATH") ?? "";
        foreach (var name in PathNames)
        {
            foreach (var dir in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(dir, name);
                if (fileExists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Whether a value of <c>CI</c> means "running under CI".</summary>
    public static bool IsCiValue(string? ci) => string.Equals(ci, "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why browser tests are skipped, or null when they run (Chromium found, or under CI where its absence fails).</summary>
    public static string? SkipReason(string? chromium, bool isCi) =>
        chromium is not null || isCi
            ? null
            : $"No Chromium found ({Looked()}). " +
              "Install it (Debian: apt-get install chromium) or set GALE_CHROMIUM to run the browser tests; under CI=true they fail instead of skipping.";

    /// <summary>The Chromium to use; throws with the install hint when there is none (the CI case).</summary>
    public static string RequireChromium() =>
        Chromium ?? throw new InvalidOperationException(
            $"Chromium is required for the browser tests under CI=true and none was found ({Looked()}). " +
            ".ci/run installs Debian's chromium; install it (apt-get install chromium) or set GALE_CHROMIUM.");

    private static string Looked() =>
        Environment.GetEnvironmentVariable(ChromiumVariable) is { Length: > 0 } configured
            ? $"{ChromiumVariable}={configured} does not exist"
            : $"looked at {ChromiumVariable}, /usr/bin/chromium, /usr/bin/chromium-browser, google-chrome on PATH";

    /// <summary>Finds tools/browser and installs playwright-core there if needed.</summary>
    /// <returns>The tools/browser folder (its node_modules holds playwright-core).</returns>
    public static async Task<string> EnsurePlaywrightAsync(Action<string>? log = null)
    {
        var tools = NpmToolInstall.FindToolDirectory("tools/browser", "package.json", "GALE_BROWSER_TOOLS")
            ?? throw new InvalidOperationException($"tools/browser (package.json, package-lock.json) not found above '{AppContext.BaseDirectory}'.");
        await NpmToolInstall.EnsureInstalledAsync(tools, Path.Combine("node_modules", "playwright-core", "package.json"), "playwright-core", log);
        return tools;
    }
}
