using NCrontab;
using NodaTime;

namespace Gale.Timetables;

/// <summary>
/// A cron schedule (5 fields, or a preset such as <c>@daily</c>) evaluated on the wall clock of the DAG's time
/// zone, as Airflow documents: <c>0 0 * * *</c> in America/New_York runs at 04:00 UTC in summer and 05:00 UTC
/// in winter. A wall-clock time that does not exist (spring forward) moves forward by the gap (02:30 becomes
/// 03:30); an ambiguous one (fall back) is the earlier instant, so a repeated hour runs once. Boundaries are
/// strictly increasing instants, so consecutive data intervals always meet end to start (Airflow 2's DST
/// arithmetic can overlap two intervals, or skip a day when the start date sits next to a gap; Gale does not).
/// </summary>
public sealed class CronTimetable : DataIntervalTimetable
{
    private readonly CrontabSchedule _cron;

    /// <summary>A cron timetable in <paramref name="zone"/>.</summary>
    /// <exception cref="FormatException">The expression is not a valid 5-field cron.</exception>
    public CronTimetable(string expression, DateTimeZone zone, string? summary = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        Zone = zone ?? throw new ArgumentNullException(nameof(zone));
        Expression = expression.Trim();
        var fields = Expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            throw new FormatException($"'{expression}' is not a cron expression: it has {fields.Length} fields, expected 5 (minute hour day-of-month month day-of-week)");
        }

        try
        {
            _cron = CrontabSchedule.Parse(string.Join(' ', fields));
        }
        catch (CrontabException e)
        {
            throw new FormatException($"'{expression}' is not a valid cron expression: {e.Message}", e);
        }

        Summary = summary ?? Expression;
    }

    /// <summary>The cron expression.</summary>
    public string Expression { get; }

    /// <summary>The time zone it is evaluated in.</summary>
    public DateTimeZone Zone { get; }

    /// <inheritdoc />
    public override string Summary { get; }

    /// <inheritdoc />
    protected internal override DateTimeOffset Next(DateTimeOffset current)
    {
        // The first occurrence whose instant is after current; occurrences folded onto earlier instants are skipped.
        var naive = Local(current);
        while (true)
        {
            naive = _cron.GetNextOccurrence(naive);
            var instant = Aware(naive);
            if (instant > current)
            {
                return instant;
            }
        }
    }

    /// <inheritdoc />
    protected internal override DateTimeOffset Previous(DateTimeOffset current)
    {
        // Start from the wall clock an hour later, so an occurrence in a repeated (fall-back) hour is not missed.
        var naive = Local(current).AddHours(1).AddTicks(1);
        while (true)
        {
            naive = PreviousOccurrence(naive);
            var instant = Aware(naive);
            if (instant < current)
            {
                return instant;
            }
        }
    }

    private DateTime Local(DateTimeOffset instant) =>
        Instant.FromDateTimeOffset(instant).InZone(Zone).LocalDateTime.ToDateTimeUnspecified();

    private DateTimeOffset Aware(DateTime local) =>
        Zone.AtLeniently(LocalDateTime.FromDateTime(local)).ToDateTimeOffset().ToUniversalTime();

    private DateTime PreviousOccurrence(DateTime naive)
    {
        foreach (var window in new[] { TimeSpan.FromDays(1), TimeSpan.FromDays(32), TimeSpan.FromDays(367), TimeSpan.FromDays(366 * 8) })
        {
            var found = _cron.GetNextOccurrences(naive - window - TimeSpan.FromMinutes(1), naive).LastOrDefault(o => o < naive);
            if (found != default)
            {
                return found;
            }
        }

        throw new InvalidOperationException($"cron '{Expression}' has no occurrence in the 8 years before {naive:O}");
    }
}
