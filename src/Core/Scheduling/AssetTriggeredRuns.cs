using Gale.Assets;
using Gale.Dags;
using Gale.Engine;
using Gale.Runs;

namespace Gale.Scheduling;

/// <summary>
/// Creates a DAG's asset-triggered run from its asset queue, exactly once per event, in four steps a crash can stop
/// anywhere: claim the events for a run id (derived from the oldest event, so racing schedulers agree on it), record them as the run's triggering events, create the run, remove them
/// from the queue. The next tick (under the DAG's lease) finishes or undoes what a crashed tick left: claimed events
/// whose run exists are removed; claimed events whose run was never created are released and planned again.
/// </summary>
internal static class AssetTriggeredRuns
{
    /// <summary>Creates at most one run for <paramref name="dag"/>; returns it, or null.</summary>
    public static async Task<DagRun?> CreateAsync(IDagRuns engine, IAssetQueue queue, Dag dag, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (dag.Settings.AssetSchedule is not { } expression)
        {
            return null;
        }

        var pending = await queue.PendingAsync(dag.DagId, cancellationToken);
        var claims = pending.Where(q => q.ClaimedBy is not null).GroupBy(q => q.ClaimedBy!).ToList();
        foreach (var claim in claims)
        {
            if (await engine.LoadAsync(new RunKey(dag.DagId, claim.Key), cancellationToken) is not null)
            {
                await queue.CompleteAsync(dag.DagId, [.. claim], cancellationToken);
            }
            else
            {
                await queue.ReleaseAsync(dag.DagId, [.. claim], cancellationToken);
            }
        }

        if (claims.Count > 0)
        {
            pending = await queue.PendingAsync(dag.DagId, cancellationToken); // once, with the released events free again
        }

        var free = pending.Where(q => q.ClaimedBy is null).ToList();

        var plan = AssetTriggerPlanner.Plan(expression, free.Select(q => q.Event), dag.Settings.MaxAssetEventsPerRun);
        if (!plan.CreateRun)
        {
            return null;
        }

        var taken = plan.Consumed.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var claimed = free.Where(q => taken.Contains(q.Event.Id)).ToList();
        var run = new DagRun
        {
            DagId = dag.DagId,
            RunId = RunIdFor(plan.Consumed[0]),
            RunType = DagRunType.AssetTriggered,
            LogicalDate = now,
            DataIntervalStart = plan.Consumed.Min(e => e.Timestamp),
            DataIntervalEnd = plan.Consumed.Max(e => e.Timestamp),
            QueuedAt = now,
        };
        if (await engine.LoadAsync(run.Key, cancellationToken) is not null)
        {
            // A scheduler that outlived its lease created this run after another released its claim: the events are its.
            await queue.CompleteAsync(dag.DagId, [.. claimed.Select(q => q with { ClaimedBy = run.RunId })], cancellationToken);
            return null;
        }

        if (!await queue.ClaimAsync(dag.DagId, run.RunId, claimed, cancellationToken))
        {
            return null; // the queue changed under us; the next tick releases and plans again
        }

        await queue.RecordTriggeringAsync(run.Key, plan.Consumed, cancellationToken);
        await engine.CreateRunAsync(dag, run, start: false, cancellationToken);
        await queue.CompleteAsync(dag.DagId, [.. claimed.Select(q => q with { ClaimedBy = run.RunId })], cancellationToken);
        return run;
    }

    /// <summary>
    /// The run id follows from the oldest event it takes, so two schedulers that plan the same events (one outlived
    /// its lease) claim and create the same run instead of two: <c>asset_triggered__{its time}_{hash of its id}</c>.
    /// </summary>
    public static string RunIdFor(AssetEvent oldest)
    {
        ArgumentNullException.ThrowIfNull(oldest);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(oldest.Id)))[..8];
        return $"{DagRun.CreateRunId(DagRunType.AssetTriggered, oldest.Timestamp.ToUniversalTime())}_{hash}";
    }
}
