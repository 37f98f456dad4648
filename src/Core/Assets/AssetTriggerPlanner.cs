namespace Gale.Assets;

/// <summary>The decision for one asset-scheduled DAG at one tick.</summary>
/// <param name="CreateRun">True when the expression is satisfied: create one run.</param>
/// <param name="Consumed">The events the run takes (oldest first, at most the cap); they are its triggering events.</param>
public sealed record AssetTriggerPlan(bool CreateRun, IReadOnlyList<AssetEvent> Consumed);

/// <summary>
/// Decides whether an asset-scheduled DAG runs (Airflow's asset-triggered scheduling), without I/O: the expression is
/// evaluated on the assets that have events queued for the DAG (events since its last asset-triggered run); a run
/// takes the oldest of them, up to a cap per run, and the rest stay queued for the next one.
/// </summary>
public static class AssetTriggerPlanner
{
    /// <summary>Plans one tick.</summary>
    /// <param name="expression">The DAG's asset schedule.</param>
    /// <param name="pending">Events queued for the DAG and not yet consumed (any order; other assets are ignored).</param>
    /// <param name="maxEventsPerRun">At most this many events per run.</param>
    public static AssetTriggerPlan Plan(AssetExpression expression, IEnumerable<AssetEvent> pending, int maxEventsPerRun = DefaultMaxEventsPerRun)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventsPerRun, 1);
        var uris = expression.Uris.ToHashSet(StringComparer.Ordinal);
        var ordered = pending
            .Where(e => uris.Contains(e.AssetUri))
            .DistinctBy(e => e.Id)
            .OrderBy(e => e.Timestamp).ThenBy(e => e.Id, StringComparer.Ordinal)
            .ToList();
        if (!expression.IsSatisfiedBy(ordered.Select(e => e.AssetUri).ToHashSet(StringComparer.Ordinal)))
        {
            return new AssetTriggerPlan(false, []);
        }

        // The oldest event of every updated asset always (so a capped run still satisfies the expression, even when
        // the cap is smaller than the number of assets), then the oldest of the rest up to the cap.
        var firsts = ordered.GroupBy(e => e.AssetUri).Select(g => g.First()).ToList();
        var taken = firsts
            .Concat(ordered.Except(firsts).Take(Math.Max(0, maxEventsPerRun - firsts.Count)))
            .OrderBy(e => e.Timestamp).ThenBy(e => e.Id, StringComparer.Ordinal)
            .ToList();
        return new AssetTriggerPlan(true, taken);
    }

    /// <summary>The default cap on events one asset-triggered run consumes.</summary>
    public const int DefaultMaxEventsPerRun = 1000;

    /// <summary>The largest cap a DAG may set (a run's claim and its triggering events must fit in table entities).</summary>
    public const int MaxEventsPerRunLimit = 10_000;
}
