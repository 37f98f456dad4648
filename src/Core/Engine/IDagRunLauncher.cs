using Gale.Runs;

namespace Gale.Engine;

/// <summary>Port through which a task starts and watches runs of other DAGs (<c>trigger_dagrun</c>).</summary>
public interface IDagRunLauncher
{
    /// <summary>Creates and starts a manual run; returns the existing run when the id is taken.</summary>
    /// <exception cref="KeyNotFoundException">No such DAG.</exception>
    /// <exception cref="ArgumentException">The conf does not satisfy the DAG's params; the message lists every problem.</exception>
    Task<(DagRun Run, bool Created)> TriggerAsync(string dagId, string? runId, DateTimeOffset? logicalDate, string? confJson, CancellationToken cancellationToken = default);

    /// <summary>The run's state, or null when it does not exist.</summary>
    Task<DagRunState?> GetStateAsync(RunKey run, CancellationToken cancellationToken = default);
}

/// <summary>
/// Launches runs through <see cref="IDagRuns"/>. Runs are created queued and the scheduler starts them within
/// the DAG's max_active_runs; with <paramref name="startImmediately"/> (no scheduler, as in <c>gale dags test</c>) they start at once.
/// </summary>
public sealed class RunLauncher(IDagRuns engine, IDagRegistry dags, bool startImmediately = false) : IDagRunLauncher
{
    /// <inheritdoc />
    public async Task<(DagRun Run, bool Created)> TriggerAsync(string dagId, string? runId, DateTimeOffset? logicalDate, string? confJson, CancellationToken cancellationToken = default)
    {
        var dag = dags.Find(dagId) ?? throw new KeyNotFoundException($"no DAG '{dagId}' is loaded");
        var (run, problems) = ManualRuns.Create(dag, logicalDate, confJson, runId, engine.Clock.GetUtcNow());
        if (run is null)
        {
            throw new ArgumentException($"conf for DAG '{dagId}' is invalid: {string.Join("; ", problems)}");
        }

        var (snapshot, created) = await engine.CreateRunAsync(dag, run, start: startImmediately, cancellationToken);
        return (snapshot.Run, created);
    }

    /// <inheritdoc />
    public async Task<DagRunState?> GetStateAsync(RunKey run, CancellationToken cancellationToken = default) =>
        (await engine.LoadAsync(run, cancellationToken))?.Run.State;
}
