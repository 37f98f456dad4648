namespace Gale.Assets;

/// <summary>How far a DAG has consumed one asset's events: the newest timestamp it took, and the ids taken at exactly that instant.</summary>
/// <param name="At">The newest consumed event's timestamp.</param>
/// <param name="IdsAt">Ids of consumed events with exactly that timestamp (events share instants).</param>
public sealed record AssetCursor(DateTimeOffset At, IReadOnlyList<string> IdsAt)
{
    /// <summary>True when <paramref name="e"/> is after this cursor (not consumed yet).</summary>
    public bool IsNew(AssetEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Timestamp > At || e.Timestamp == At && !IdsAt.Contains(e.Id, StringComparer.Ordinal);
    }
}

/// <summary>The decision for one asset-scheduled DAG at one tick.</summary>
/// <param name="CreateRun">True when the expression is satisfied: create one run.</param>
/// <param name="Consumed">The events the run takes (oldest first, at most the cap); they are its triggering events.</param>
/// <param name="Cursors">The DAG's cursors after the run takes them (unchanged when no run is created).</param>
public sealed record AssetTriggerPlan(bool CreateRun, IReadOnlyList<AssetEvent> Consumed, IReadOnlyDictionary<string, AssetCursor> Cursors);

/// <summary>
/// Decides whether an asset-scheduled DAG runs (Airflow's asset-triggered scheduling), without I/O: the expression is
/// evaluated on the assets that have events the DAG has not consumed yet; a run takes the oldest of them, up to a cap
/// per run, and the rest stay for the next one.
/// </summary>
public static class AssetTriggerPlanner
{
    /// <summary>Plans one tick.</summary>
    /// <param name="expression">The DAG's asset schedule.</param>
    /// <param name="cursors">How far it has consumed each asset (missing: nothing consumed; events before <paramref name="since"/> never count).</param>
    /// <param name="events">Candidate events of the expression's assets (any order; already-consumed ones are ignored).</param>
    /// <param name="since">Events older than this never trigger (the DAG's start_date, or when it first appeared).</param>
    /// <param name="maxEventsPerRun">At most this many events per run.</param>
    public static AssetTriggerPlan Plan(AssetExpression expression, IReadOnlyDictionary<string, AssetCursor> cursors, IEnumerable<AssetEvent> events, DateTimeOffset since, int maxEventsPerRun = 1000)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(cursors);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventsPerRun, 1);
        var uris = expression.Uris.ToHashSet(StringComparer.Ordinal);
        var pending = events
            .Where(e => uris.Contains(e.AssetUri) && e.Timestamp >= since && (!cursors.TryGetValue(e.AssetUri, out var c) || c.IsNew(e)))
            .DistinctBy(e => e.Id)
            .OrderBy(e => e.Timestamp).ThenBy(e => e.Id, StringComparer.Ordinal)
            .ToList();
        if (!expression.IsSatisfiedBy(pending.Select(e => e.AssetUri).ToHashSet(StringComparer.Ordinal)))
        {
            return new AssetTriggerPlan(false, [], cursors);
        }

        // The oldest event of every updated asset first (so a capped run still satisfies the expression), then by age.
        var firsts = pending.GroupBy(e => e.AssetUri).Select(g => g.First()).ToList();
        var taken = firsts.Take(maxEventsPerRun)
            .Concat(pending.Except(firsts).Take(Math.Max(0, maxEventsPerRun - firsts.Count)))
            .OrderBy(e => e.Timestamp).ThenBy(e => e.Id, StringComparer.Ordinal)
            .ToList();

        var next = new Dictionary<string, AssetCursor>(cursors, StringComparer.Ordinal);
        foreach (var group in taken.GroupBy(e => e.AssetUri))
        {
            var newest = group.Max(e => e.Timestamp);
            var idsAt = group.Where(e => e.Timestamp == newest).Select(e => e.Id);
            if (next.TryGetValue(group.Key, out var old) && old.At == newest)
            {
                idsAt = old.IdsAt.Concat(idsAt);
            }

            next[group.Key] = new AssetCursor(newest, [.. idsAt.Distinct(StringComparer.Ordinal)]);
        }

        return new AssetTriggerPlan(true, taken, next);
    }
}
