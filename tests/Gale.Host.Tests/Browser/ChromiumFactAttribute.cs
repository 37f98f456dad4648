namespace Gale.Host.Tests.Browser;

/// <summary>
/// A fact that needs Chromium: skipped with a message saying how to install it when Chromium is missing and
/// <c>CI</c> is not <c>true</c>; under <c>CI=true</c> it runs, and a missing Chromium fails it.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the test cannot run here.</summary>
    public ChromiumFactAttribute()
    {
        if (BrowserEnvironment.SkipReason(BrowserEnvironment.Chromium, BrowserEnvironment.IsCi) is { } reason)
        {
            Skip = reason;
        }
    }
}
