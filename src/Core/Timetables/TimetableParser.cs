using System.Globalization;
using Gale.Dags;
using NodaTime;
using NodaTime.Text;

namespace Gale.Timetables;

/// <summary>Turns a DAG's <c>schedule</c> and <c>timezone</c> into a timetable, with errors that say what is wrong.</summary>
public static class TimetableParser
{
    /// <summary>Airflow's cron presets.</summary>
    public static IReadOnlyDictionary<string, string> Presets { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["@hourly"] = "0 * * * *",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@weekly"] = "0 0 * * 0",
        ["@monthly"] = "0 0 1 * *",
        ["@quarterly"] = "0 0 1 */3 *",
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
    };

    /// <summary>The time zone named <paramref name="name"/> (IANA, e.g. <c>Europe/Amsterdam</c>); UTC when null.</summary>
    /// <exception cref="FormatException">Unknown zone.</exception>
    public static DateTimeZone Zone(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return DateTimeZone.Utc;
        }

        return DateTimeZoneProviders.Tzdb.GetZoneOrNull(name.Trim())
            ?? throw new FormatException($"'{name}' is not a time zone: use an IANA name such as UTC, Europe/Amsterdam or America/New_York");
    }

    /// <summary>
    /// The timetable for <paramref name="schedule"/>: null or <c>None</c> (manual only), <c>@once</c>,
    /// <c>@continuous</c>, a preset, a 5-field cron, or a duration (<c>1h</c>, <c>PT30M</c>).
    /// </summary>
    /// <exception cref="FormatException">Not a schedule; the message lists what is accepted.</exception>
    public static ITimetable Parse(string? schedule, string? timezone = null)
    {
        var zone = Zone(timezone);
        var text = schedule?.Trim();
        switch (text)
        {
            case null or "" or "None" or "null":
                return new NullTimetable();
            case "@once":
                return new OnceTimetable();
            case "@continuous":
                return new ContinuousTimetable();
        }

        if (Presets.TryGetValue(text, out var cron))
        {
            return new CronTimetable(cron, zone, text);
        }

        if (text.StartsWith('@'))
        {
            throw new FormatException($"'{text}' is not a schedule preset; expected one of @once, @continuous, {string.Join(", ", Presets.Keys)}");
        }

        if (!text.Contains(' ', StringComparison.Ordinal))
        {
            return Durations.TryParse(text, out var delta) && delta > TimeSpan.Zero
                ? new DeltaTimetable(delta, text)
                : throw new FormatException($"'{text}' is not a schedule: use null, a preset (@daily, …), a 5-field cron ('0 6 * * 1-5') or a duration (1h, PT30M)");
        }

        return new CronTimetable(text, zone);
    }

    /// <summary>
    /// A date or date-time; without an offset it is read as wall-clock time in <paramref name="zone"/> (how a YAML
    /// <c>start_date</c> is read in the DAG's <c>timezone</c>).
    /// </summary>
    /// <exception cref="FormatException">Not ISO 8601.</exception>
    public static DateTimeOffset ParseDate(string text, DateTimeZone zone)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(zone);
        var trimmed = text.Trim();
        var hasOffset = trimmed.EndsWith('Z') || trimmed.EndsWith('z') || System.Text.RegularExpressions.Regex.IsMatch(trimmed, @"T.*[+-]\d\d(:?\d\d)?$");
        if (hasOffset)
        {
            return DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var exact)
                ? exact
                : throw new FormatException($"'{text}' is not an ISO 8601 date-time");
        }

        foreach (var pattern in new[] { LocalDateTimePattern.ExtendedIso, LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm:ss"), LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mm") })
        {
            var parsed = pattern.Parse(trimmed);
            if (parsed.Success)
            {
                return zone.AtLeniently(parsed.Value).ToDateTimeOffset().ToUniversalTime();
            }
        }

        var date = LocalDatePattern.Iso.Parse(trimmed);
        return date.Success
            ? zone.AtStartOfDay(date.Value).ToDateTimeOffset().ToUniversalTime()
            : throw new FormatException($"'{text}' is not a date (use ISO 8601, e.g. 2024-01-01 or 2024-01-01T06:00:00+01:00)");
    }
}
