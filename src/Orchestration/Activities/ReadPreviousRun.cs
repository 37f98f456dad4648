using Gale.Engine;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Microsoft.DurableTask;

namespace Gale.Orchestration.Activities;

/// <summary>
/// depends_on_past: the run of the same DAG just before this one by logical date (any run type), as it stands now,
/// or null when there is none. The orchestration reads it when the run starts and whenever it is asked to look at
/// its waiting tasks again (<see cref="Gale.Runs.Events.RunReevaluate"/>, which the scheduler sends each tick).
/// </summary>
/// <param name="runs">The runs.</param>
public sealed class ReadPreviousRun(IRunReader runs) : TaskActivity<DagRun, RunSnapshotData?>
{
    /// <inheritdoc />
    public override async Task<RunSnapshotData?> RunAsync(TaskActivityContext context, DagRun input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var best = await PastDependency.PreviousAsync(runs.ListRunsAsync(input.DagId), input);
        return best is not null && await runs.LoadAsync(best.Key) is { } previous ? RunSnapshotData.From(previous) : null;
    }
}
