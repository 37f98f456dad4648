namespace Gale.Timetables;

/// <summary>A fixed interval (<c>1h</c>, <c>PT30M</c>) counted in elapsed time from the start_date (Airflow's DeltaDataIntervalTimetable).</summary>
public sealed class DeltaTimetable : DataIntervalTimetable
{
    /// <summary>A timetable stepping by <paramref name="delta"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The interval is not positive.</exception>
    public DeltaTimetable(TimeSpan delta, string? summary = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(delta, TimeSpan.Zero);
        Delta = delta;
        Summary = summary ?? delta.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The interval.</summary>
    public TimeSpan Delta { get; }

    /// <inheritdoc />
    public override string Summary { get; }

    /// <inheritdoc />
    protected internal override DateTimeOffset Next(DateTimeOffset current) => (current + Delta).ToUniversalTime();

    /// <inheritdoc />
    protected internal override DateTimeOffset Previous(DateTimeOffset current) => (current - Delta).ToUniversalTime();

    /// <inheritdoc />
    protected internal override DateTimeOffset AlignToNext(DateTimeOffset current) => current;

    /// <inheritdoc />
    protected internal override DateTimeOffset AlignToPrevious(DateTimeOffset current) => current;

    /// <inheritdoc />
    protected override DateTimeOffset SkipToLatest(DateTimeOffset? earliest, DateTimeOffset now)
    {
        // Airflow rounds now down to a multiple of the interval since the epoch, then steps back one interval.
        var rounded = DateTimeOffset.FromUnixTimeMilliseconds(0) + TimeSpan.FromTicks((now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / Delta.Ticks * Delta.Ticks);
        var start = Previous(rounded);
        return earliest is { } e && e > start ? e : start;
    }
}
