using System.Globalization;

namespace Gale.Engine;

/// <summary>Gale's own settings (environment variables or Functions app settings) and how they are read.</summary>
public static class GaleSettings
{
    /// <summary>XCom values larger than this many UTF-8 bytes go to the <c>xcom</c> blob container (default 32 KiB).</summary>
    public const string XComOffloadThresholdBytes = "GALE_XCOM_OFFLOAD_THRESHOLD_BYTES";

    /// <summary>Largest XCom value a task may push (default 64 MiB).</summary>
    public const string XComMaxBytes = "GALE_XCOM_MAX_BYTES";

    /// <summary>How often a serving host reloads its DAG files from the DAGs folder and the <c>dags</c> container (default 30 s).</summary>
    public const string DagRefreshSeconds = "GALE_DAG_REFRESH_SECONDS";

    /// <summary>Default of <see cref="DagRefreshSeconds"/>.</summary>
    public static readonly TimeSpan DefaultDagRefresh = TimeSpan.FromSeconds(30);

    /// <summary>Default of <see cref="XComOffloadThresholdBytes"/>.</summary>
    public const int DefaultXComOffloadThresholdBytes = 32 * 1024;

    /// <summary>Default of <see cref="XComMaxBytes"/>.</summary>
    public const long DefaultXComMaxBytes = 64L * 1024 * 1024;

    /// <summary>A positive byte count, or <paramref name="defaultValue"/> when the setting is absent.</summary>
    /// <exception cref="FormatException">The setting is not a positive whole number; the message names it.</exception>
    public static long Bytes(Func<string, string?> settings, string name, long defaultValue) =>
        PositiveWholeNumber(settings, name, defaultValue, "bytes");

    /// <summary>A positive number of seconds, or <paramref name="defaultValue"/> when the setting is absent.</summary>
    /// <exception cref="FormatException">The setting is not a positive whole number; the message names it.</exception>
    public static TimeSpan Seconds(Func<string, string?> settings, string name, TimeSpan defaultValue) =>
        TimeSpan.FromSeconds(PositiveWholeNumber(settings, name, (long)defaultValue.TotalSeconds, "seconds"));

    /// <summary>A positive whole number, or <paramref name="defaultValue"/> when the setting is absent.</summary>
    /// <exception cref="FormatException">The setting is not a positive whole number; the message names it.</exception>
    public static int Count(Func<string, string?> settings, string name, int defaultValue) =>
        (int)Math.Min(int.MaxValue, PositiveWholeNumber(settings, name, defaultValue, null));

    /// <summary>true or false, or <paramref name="defaultValue"/> when the setting is absent.</summary>
    /// <exception cref="FormatException">The setting is neither; the message names it.</exception>
    public static bool Flag(Func<string, string?> settings, string name, bool defaultValue)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var text = settings(name);
        return string.IsNullOrWhiteSpace(text) ? defaultValue
            : bool.TryParse(text.Trim(), out var value) ? value
            : throw new FormatException($"setting {name}: '{text}' is not true or false.");
    }

    private static long PositiveWholeNumber(Func<string, string?> settings, string name, long defaultValue, string? unit)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var text = settings(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return defaultValue;
        }

        return long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new FormatException($"setting {name}: '{text}' is not a positive whole number{(unit is null ? string.Empty : $" of {unit}")}.");
    }
}
