using Gale.Engine;
using Gale.Runs;
using Microsoft.DurableTask.Client;

namespace Gale.Orchestration.Runs;

/// <summary>How tasks (trigger_dagrun) start runs of other DAGs when runs are orchestrations: a new instance per run.</summary>
/// <param name="client">The task hub's client.</param>
/// <param name="dags">The loaded DAGs.</param>
/// <param name="clock">The clock (a manual run's logical date defaults to now).</param>
public sealed class OrchestrationRunLauncher(DurableTaskClient client, IDagRegistry dags, TimeProvider clock) : IDagRunLauncher
{
    /// <inheritdoc />
    public async Task<(DagRun Run, bool Created)> TriggerAsync(string dagId, string? runId, DateTimeOffset? logicalDate, string? confJson, CancellationToken cancellationToken = default)
    {
        var dag = dags.Find(dagId) ?? throw new KeyNotFoundException($"no DAG '{dagId}' is loaded");
        var (run, problems) = ManualRuns.Create(dag, logicalDate, confJson, runId, clock.GetUtcNow());
        if (run is null)
        {
            throw new ArgumentException($"conf for DAG '{dagId}' is invalid: {string.Join("; ", problems)}");
        }

        var created = await OrchestratedRuns.StartAsync(client, run, cancellationToken);
        return (run, created);
    }

    /// <inheritdoc />
    public async Task<DagRunState?> GetStateAsync(RunKey run, CancellationToken cancellationToken = default) =>
        await OrchestratedRuns.GetAsync(client, run, cancellationToken) is { } found ? found.Status?.State ?? DagRunState.Queued : null;
}
