namespace Gale.Host.Tests.Browser;

/// <summary>How the browser tests find Chromium and when they skip instead of failing.</summary>
public sealed class BrowserEnvironmentTests
{
    [Theory]
    [InlineData("/opt/chrome/chrome", "/opt/chrome/chrome|/usr/bin/chromium", "/opt/chrome/chrome")]
    [InlineData("/opt/missing", "/usr/bin/chromium", null)] // a GALE_CHROMIUM that does not exist is not silently replaced
    [InlineData(null, "/usr/bin/chromium|/usr/bin/chromium-browser", "/usr/bin/chromium")]
    [InlineData(null, "/usr/bin/chromium-browser", "/usr/bin/chromium-browser")]
    [InlineData(null, "/usr/local/bin/google-chrome", "/usr/local/bin/google-chrome")]
    [InlineData(null, "/usr/local/bin/google-chrome-stable", "/usr/local/bin/google-chrome-stable")]
    [InlineData(null, "/elsewhere/google-chrome", null)] // not on PATH
    [InlineData(null, "", null)]
    public void FindChromium_LooksAtTheVariableThenFixedPathsThenPath(string? variable, string existing, string? expected)
    {
        var files = existing.Split('|', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var env = new Dictionary<string, string?> { [BrowserEnvironment.ChromiumVariable] = variable, ["PATH"] = "/usr/local/bin:/usr/bin" };
        Assert.Equal(expected, BrowserEnvironment.FindChromium(name => env.GetValueOrDefault(name), files.Contains));
    }

    [Theory]
    [InlineData("/usr/bin/chromium", false, false)]
    [InlineData("/usr/bin/chromium", true, false)]
    [InlineData(null, true, false)] // CI: run, and fail on the missing browser
    [InlineData(null, false, true)] // a developer without Chromium: skip
    public void SkipReason_OnlyWhenChromiumIsMissingOutsideCi(string? chromium, bool isCi, bool skipped)
    {
        var reason = BrowserEnvironment.SkipReason(chromium, isCi);
        Assert.Equal(skipped, reason is not null);
        if (reason is not null)
        {
            Assert.Contains("apt-get install chromium", reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsCiValue_IsTrueOnlyForTrue(string? value, bool expected) => Assert.Equal(expected, BrowserEnvironment.IsCiValue(value));
}
