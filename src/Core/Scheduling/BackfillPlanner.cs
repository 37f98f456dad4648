using Gale.Dags;
using Gale.Engine;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Timetables;

namespace Gale.Scheduling;

/// <summary>Which existing runs a backfill runs again (Airflow's <c>reprocess_behavior</c>).</summary>
public enum ReprocessBehavior
{
    /// <summary>Intervals that already have a run are left alone.</summary>
    None,

    /// <summary>Failed runs are cleared and run again.</summary>
    Failed,

    /// <summary>Every finished run (success or failed) is cleared and run again.</summary>
    Completed,
}

/// <summary>What a backfill does for one interval.</summary>
public enum BackfillAction
{
    /// <summary>Create a <c>backfill__</c> run.</summary>
    Create,

    /// <summary>Clear the existing run so it runs again.</summary>
    Rerun,

    /// <summary>Leave the existing run as it is.</summary>
    Skip,
}

/// <summary>One interval of a backfill.</summary>
/// <param name="DagId">The DAG.</param>
/// <param name="Info">The interval.</param>
/// <param name="Action">What to do.</param>
/// <param name="Existing">The run that already covers it, if any.</param>
/// <param name="Reason">Why, for the plan table.</param>
public sealed record BackfillStep(string DagId, DagRunInfo Info, BackfillAction Action, DagRun? Existing, string Reason)
{
    /// <summary>The run the step creates or reruns (null for a skip).</summary>
    public DagRun? Run(DateTimeOffset now) => Action switch
    {
        BackfillAction.Create => Info.ToDagRun(DagId, DagRunType.Backfill, now),
        BackfillAction.Rerun => Existing,
        _ => null,
    };

    /// <summary>
    /// Carries the step out: creates its <c>backfill__</c> run (started at once, or queued for the scheduler), or
    /// clears the existing run's tasks (only the failed ones with <paramref name="onlyFailed"/>).
    /// </summary>
    /// <returns>The run it created or cleared; null for a skip.</returns>
    public async Task<RunKey?> ApplyAsync(IDagRuns engine, Dag dag, bool start, bool onlyFailed, string? conf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(dag);
        var now = engine.Clock.GetUtcNow();
        switch (Action)
        {
            case BackfillAction.Create:
                var run = Run(now)! with { Conf = conf ?? "{}" };
                await engine.CreateRunAsync(dag, run, start, cancellationToken);
                return run.Key;
            case BackfillAction.Rerun:
                await engine.ApplyAsync(Existing!.Key, [new TasksCleared { EventId = $"backfill-clear:{Guid.NewGuid():N}", TaskIds = [.. dag.TopologicalOrder.Select(t => t.TaskId)], OnlyFailed = onlyFailed, At = now }], cancellationToken);
                return Existing.Key;
            default:
                return null;
        }
    }
}

/// <summary>Plans a backfill: the DAG's intervals whose logical dates fall in [from, to], and what to do with each.</summary>
public static class BackfillPlanner
{
    /// <summary>The steps, oldest first (newest first with <paramref name="runBackwards"/>).</summary>
    /// <exception cref="ArgumentException">The range is empty or reversed, or the DAG has no schedule to backfill.</exception>
    public static IReadOnlyList<BackfillStep> Plan(Dag dag, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<DagRun> existingRuns, ReprocessBehavior reprocess, bool runBackwards, int maxIntervals = 10_000)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(existingRuns);
        if (to < from)
        {
            throw new ArgumentException($"--to {to:O} is before --from {from:O}.");
        }

        if (dag.Timetable is not DataIntervalTimetable and not EventsTimetable)
        {
            throw new ArgumentException($"DAG '{dag.DagId}' has schedule {dag.Timetable.Summary}; only cron, preset, duration and events schedules can be backfilled.");
        }

        var byDate = existingRuns.GroupBy(r => r.LogicalDate).ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.QueuedAt).First());
        var restriction = new TimeRestriction(from, to, Catchup: true);
        var steps = new List<BackfillStep>();
        for (var info = dag.Timetable.NextDagRunInfo(null, restriction, to); info is not null; info = dag.Timetable.NextDagRunInfo(info.DataInterval, restriction, to))
        {
            if (steps.Count >= maxIntervals)
            {
                throw new ArgumentException($"the range holds more than {maxIntervals} runs; backfill a shorter range.");
            }

            steps.Add(Step(dag, info, byDate.GetValueOrDefault(info.LogicalDate), reprocess));
        }

        if (runBackwards)
        {
            steps.Reverse();
        }

        return steps;
    }

    private static BackfillStep Step(Dag dag, DagRunInfo info, DagRun? existing, ReprocessBehavior reprocess)
    {
        if (existing is null)
        {
            return new BackfillStep(dag.DagId, info, BackfillAction.Create, null, "no run yet");
        }

        var name = existing.State.ToAirflowName();
        return existing.State switch
        {
            DagRunState.Queued or DagRunState.Running => new BackfillStep(dag.DagId, info, BackfillAction.Skip, existing, $"{existing.RunId} is {name}"),
            DagRunState.Failed when reprocess is ReprocessBehavior.Failed or ReprocessBehavior.Completed => new BackfillStep(dag.DagId, info, BackfillAction.Rerun, existing, $"{existing.RunId} failed"),
            DagRunState.Success when reprocess is ReprocessBehavior.Completed => new BackfillStep(dag.DagId, info, BackfillAction.Rerun, existing, $"{existing.RunId} succeeded; reprocess completed"),
            _ => new BackfillStep(dag.DagId, info, BackfillAction.Skip, existing, $"{existing.RunId} is {name}; reprocess {reprocess.ToString().ToLowerInvariant()}"),
        };
    }
}
