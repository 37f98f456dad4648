using Gale.Dags;
using Gale.Runs;

namespace Gale.Scheduling;

/// <summary>What one scheduler tick does for one DAG: the runs to create, the queued runs to start, the new state.</summary>
/// <param name="Create">Scheduled runs to create (queued), oldest first.</param>
/// <param name="Start">Queued runs to start now, oldest logical date first, within max_active_runs.</param>
/// <param name="State">The DAG's state after the tick (lease untouched).</param>
public sealed record SchedulePlan(IReadOnlyList<DagRun> Create, IReadOnlyList<RunKey> Start, DagState State);

/// <summary>The scheduler's pure decision for one DAG at one instant; the scheduler applies it.</summary>
public static class SchedulePlanner
{
    /// <summary>
    /// Creates every run whose data interval has ended by <paramref name="now"/> (at most <paramref name="maxCreate"/>
    /// per tick; the rest come next tick), and starts queued runs while fewer than max_active_runs are running.
    /// A paused DAG gets neither.
    /// </summary>
    /// <param name="dag">The DAG.</param>
    /// <param name="state">Its scheduler state.</param>
    /// <param name="activeRuns">Its queued and running runs as stored.</param>
    /// <param name="now">The tick's instant.</param>
    /// <param name="maxCreate">Cap on runs created per tick (catchup after long downtime).</param>
    public static SchedulePlan Plan(Dag dag, DagState state, IReadOnlyList<DagRun> activeRuns, DateTimeOffset now, int maxCreate = 64)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(activeRuns);
        var create = new List<DagRun>();
        var last = state.LastAutomatedDataInterval;
        var next = state.IsPaused ? null : dag.Timetable.NextDagRunInfo(last, dag.TimeRestriction, now);
        while (next is not null && next.RunAfter <= now && create.Count < maxCreate)
        {
            create.Add(next.ToDagRun(dag.DagId, DagRunType.Scheduled, now));
            last = next.DataInterval;
            next = dag.Timetable.NextDagRunInfo(last, dag.TimeRestriction, now);
        }

        var start = new List<RunKey>();
        if (!state.IsPaused)
        {
            var running = activeRuns.Count(r => r.State == DagRunState.Running);
            var queued = activeRuns.Where(r => r.State == DagRunState.Queued)
                .Concat(create)
                .DistinctBy(r => r.RunId)
                .OrderBy(r => r.LogicalDate)
                .ThenBy(r => r.QueuedAt);
            start.AddRange(queued.Take(Math.Max(0, dag.Settings.MaxActiveRuns - running)).Select(r => r.Key));
        }

        var nextShown = state.IsPaused ? dag.Timetable.NextDagRunInfo(last, dag.TimeRestriction, now) : next;
        return new SchedulePlan(create, start, state with { LastAutomatedDataInterval = last, NextRun = nextShown });
    }
}
