using Gale.Engine;
using Gale.Runs;
using Microsoft.DurableTask;

namespace Gale.Orchestration.Activities;

/// <summary>A run that reached its final state.</summary>
/// <param name="Run">The run, in its final state.</param>
/// <param name="Reason">Why it ended (<see cref="Gale.Runs.Commands.RunFinished.Reason"/>).</param>
public sealed record FinishRunInput(DagRun Run, string Reason);

/// <summary>The end of a run, once: its span and metrics, and the DAG's on_success / on_failure callback.</summary>
/// <param name="dags">The loaded DAGs.</param>
/// <param name="executor">Runs the callback with the same context tasks get.</param>
public sealed class FinishRun(IDagRegistry dags, TaskAttemptExecutor executor) : TaskActivity<FinishRunInput, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, FinishRunInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (dags.Find(input.Run.DagId) is not { } dag)
        {
            return false;
        }

        await executor.FinishRunAsync(dag, input.Run, input.Reason);
        return true;
    }
}
