namespace Gale.InMemory;

/// <summary>
/// Real time that can jump ahead: <c>gale dags test</c> uses it so durable timers (retry delays, waits) fire at once
/// when nothing else can run, while task durations stay real.
/// </summary>
public sealed class SkippingTimeProvider : TimeProvider
{
    private long _offsetTicks;

    /// <summary>How far the clock has been moved ahead of real time.</summary>
    public TimeSpan Skipped => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Skipped;

    /// <summary>Moves the clock ahead to <paramref name="instant"/> (no-op if it has passed).</summary>
    public void SkipTo(DateTimeOffset instant)
    {
        var gap = instant - GetUtcNow();
        if (gap > TimeSpan.Zero)
        {
            Interlocked.Add(ref _offsetTicks, gap.Ticks);
        }
    }
}
