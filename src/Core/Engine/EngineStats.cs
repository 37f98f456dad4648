namespace Gale.Engine;

/// <summary>What an engine has done so far: commits, conflicts, events, and time spent deciding and saving.</summary>
public sealed class EngineStats
{
    private long _commits;
    private long _conflicts;
    private long _decisions;
    private long _events;
    private long _decideTicks;
    private long _saveTicks;

    /// <summary>Snapshots saved.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Saves that lost a race and were re-applied.</summary>
    public long Conflicts => Interlocked.Read(ref _conflicts);

    /// <summary>Events applied (counting re-applications).</summary>
    public long Events => Interlocked.Read(ref _events);

    /// <summary>Decision-function calls.</summary>
    public long Decisions => Interlocked.Read(ref _decisions);

    /// <summary>Time spent in the decision function.</summary>
    public TimeSpan DecideTime => TimeSpan.FromTicks(Interlocked.Read(ref _decideTicks));

    /// <summary>Time spent saving snapshots.</summary>
    public TimeSpan SaveTime => TimeSpan.FromTicks(Interlocked.Read(ref _saveTicks));

    internal void AddDecide(TimeSpan elapsed, int events)
    {
        Interlocked.Increment(ref _decisions);
        Interlocked.Add(ref _events, events);
        Interlocked.Add(ref _decideTicks, elapsed.Ticks);
    }

    internal void AddCommit(TimeSpan elapsed)
    {
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _saveTicks, elapsed.Ticks);
    }

    internal void AddConflict() => Interlocked.Increment(ref _conflicts);

    /// <summary>Times an attempt found its pool or max_active_tasks slots busy and waited.</summary>
    public long SlotWaits => Interlocked.Read(ref _slotWaits);

    private long _slotWaits;

    internal void AddSlotWait() => Interlocked.Increment(ref _slotWaits);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Commits} commits, {Conflicts} conflicts, {Events} events in {Decisions} decisions ({(Decisions == 0 ? 0 : (double)Events / Decisions):F1} per decision), decide {DecideTime.TotalMilliseconds:F0} ms, save {SaveTime.TotalMilliseconds:F0} ms, {SlotWaits} slot waits";
}
