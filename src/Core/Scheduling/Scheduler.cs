using Gale.Dags;
using Gale.Engine;
using Gale.Runs;
using Gale.Runs.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Scheduling;

/// <summary>
/// The scheduler tick: for each DAG, take a short lease on its state (ETag), create the runs its timetable says are
/// due (deterministic run ids, insert-if-absent, so racing schedulers never duplicate a run), start queued runs
/// within max_active_runs, then store the new state and release the lease. A scheduler that dies holding a lease
/// only delays the DAG until the lease expires; the next tick redoes the idempotent work.
/// </summary>
public sealed partial class Scheduler(IDagRuns engine, IDagRegistry dags, IDagStateStore states, IRunReader runs, SchedulerOptions options, ILogger<Scheduler>? log = null, Gale.Assets.IAssetQueue? assetQueue = null)
{
    private readonly ILogger _log = log ?? NullLogger<Scheduler>.Instance;

    /// <summary>The options.</summary>
    public SchedulerOptions Options => options;

    /// <summary>Runs created by this scheduler so far.</summary>
    public int RunsCreated => _created;

    private int _created;

    /// <summary>One tick over every DAG; a failure on one DAG is logged and does not stop the others.</summary>
    public async Task TickAsync(CancellationToken cancellationToken = default)
    {
        foreach (var dag in dags.Dags)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                await TickDagAsync(dag, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogDagFailed(_log, dag.DagId, e.Message);
            }
        }
    }

    /// <summary>One tick for one DAG.</summary>
    public async Task TickDagAsync(Dag dag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        var now = engine.Clock.GetUtcNow();
        var state = await states.GetOrCreateAsync(new DagState { DagId = dag.DagId, IsPaused = dag.Settings.IsPausedUponCreation }, cancellationToken);
        if (state.LeaseOwner is { } owner && owner != options.SchedulerId && state.LeaseUntil > now)
        {
            return; // another scheduler is on it
        }

        var claimed = await states.TryReplaceAsync(state with { LeaseOwner = options.SchedulerId, LeaseUntil = now + options.Lease }, cancellationToken);
        if (claimed is null)
        {
            return; // lost the race for the lease; the winner does this tick's work
        }

        var active = new List<DagRun>();
        await foreach (var run in runs.ListRunsAsync(dag.DagId, cancellationToken: cancellationToken))
        {
            if (!run.State.IsFinished())
            {
                active.Add(run);
            }
        }

        if (!claimed.IsPaused && assetQueue is not null && await TryCreateAssetRunAsync(dag, now, cancellationToken) is { } assetRun)
        {
            // Created queued; the plan below starts it with the other queued runs, within max_active_runs.
            active.Add(assetRun);
            Interlocked.Increment(ref _created);
            LogCreated(_log, dag.DagId, assetRun.RunId);
        }

        var plan = SchedulePlanner.Plan(dag, claimed, active, now, options.MaxRunsCreatedPerTick);
        foreach (var run in plan.Create)
        {
            var (_, created) = await engine.CreateRunAsync(dag, run, start: false, cancellationToken);
            if (created)
            {
                Interlocked.Increment(ref _created);
                LogCreated(_log, dag.DagId, run.RunId);
            }
        }

        foreach (var key in plan.Start)
        {
            // The start time is when the run really starts, not when the tick began: another run may have ended since.
            await engine.ApplyAsync(key, [new RunStarted { EventId = $"start:{key}", At = engine.Clock.GetUtcNow() }], cancellationToken);
        }

        if (PastDependency.Applies(dag))
        {
            // Tasks that depend on the past wait on another run; look at them again each tick.
            foreach (var run in active.Where(r => r.State == DagRunState.Running))
            {
                await engine.ApplyAsync(run.Key, [new RunReevaluate { EventId = $"reevaluate:{now.UtcTicks}", At = now }], cancellationToken);
            }
        }

        // Store progress and release the lease; if this fails the lease expires and the next tick recomputes.
        await states.TryReplaceAsync(plan.State with { LeaseOwner = null, LeaseUntil = null }, cancellationToken);
    }

    // A failing asset queue must not stop the DAG's timetable runs or the start of its queued runs.
    private async Task<DagRun?> TryCreateAssetRunAsync(Dag dag, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            return await AssetTriggeredRuns.CreateAsync(engine, assetQueue!, dag, now, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogAssetRunFailed(_log, dag.DagId, e.Message);
            return null;
        }
    }

    /// <summary>Pauses or unpauses a DAG (retrying on concurrent changes).</summary>
    public static async Task<DagState> SetPausedAsync(IDagStateStore states, string dagId, bool paused, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(states);
        for (var attempt = 0; ; attempt++)
        {
            var state = await states.GetOrCreateAsync(new DagState { DagId = dagId, IsPaused = paused }, cancellationToken);
            if (state.IsPaused == paused)
            {
                return state;
            }

            if (await states.TryReplaceAsync(state with { IsPaused = paused }, cancellationToken) is { } stored)
            {
                return stored;
            }

            if (attempt > 20)
            {
                throw new InvalidOperationException($"could not update DAG '{dagId}': it keeps changing");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled run {RunId} of {DagId}")]
    private static partial void LogCreated(ILogger logger, string dagId, string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Creating an asset-triggered run of {DagId} failed this tick: {Error}")]
    private static partial void LogAssetRunFailed(ILogger logger, string dagId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scheduling DAG {DagId} failed this tick: {Error}")]
    private static partial void LogDagFailed(ILogger logger, string dagId, string error);
}
