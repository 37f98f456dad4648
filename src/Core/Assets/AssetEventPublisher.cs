using Gale.Engine;

namespace Gale.Assets;

/// <summary>
/// The one way asset events enter Gale (task outlets, watchers, the API and the CLI): store each event (idempotent by
/// id), then queue it for every DAG whose asset schedule mentions its asset. Publishing the same events again (after a
/// crash) stores and queues nothing twice, so a caller that publishes before it records its progress is exactly-once.
/// </summary>
/// <param name="events">The event store.</param>
/// <param name="queue">The per-DAG queues.</param>
/// <param name="dags">The DAGs whose schedules decide who consumes what.</param>
public sealed class AssetEventPublisher(IAssetEventStore events, IAssetQueue queue, IDagRegistry dags)
{
    /// <summary>Stores and queues <paramref name="batch"/>.</summary>
    /// <returns>How many of them were new to the event store.</returns>
    public async Task<int> PublishAsync(IReadOnlyList<AssetEvent> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return 0;
        }

        var added = await events.AddManyAsync(batch, cancellationToken);

        // Queue every event, not only the new ones: a crash may have come between storing and queueing.
        foreach (var dag in dags.Dags)
        {
            if (dag.Settings.AssetSchedule is not { } schedule)
            {
                continue;
            }

            var uris = schedule.Uris.ToHashSet(StringComparer.Ordinal);
            var mine = batch.Where(e => uris.Contains(e.AssetUri)).ToList();
            if (mine.Count > 0)
            {
                await queue.EnqueueAsync(dag.DagId, mine, cancellationToken);
            }
        }

        return added.Count;
    }
}
