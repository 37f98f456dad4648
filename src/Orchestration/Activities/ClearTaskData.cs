using Gale.Engine;
using Gale.Runs;
using Microsoft.DurableTask;

namespace Gale.Orchestration.Activities;

/// <summary>The XComs of cleared task instances, removed before their next try runs.</summary>
/// <param name="Run">The run.</param>
/// <param name="Tasks">The cleared instances.</param>
public sealed record ClearTaskDataInput(RunKey Run, IReadOnlyList<TaskInstanceKey> Tasks);

/// <summary>Removes the XComs of cleared task instances (Airflow clears a task's XComs when it is cleared).</summary>
/// <param name="services">The XCom store.</param>
public sealed class ClearTaskData(TaskServices services) : TaskActivity<ClearTaskDataInput, int>
{
    /// <inheritdoc />
    public override async Task<int> RunAsync(TaskActivityContext context, ClearTaskDataInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (var task in input.Tasks)
        {
            await services.XComs.DeleteTaskInstanceAsync(input.Run.DagId, input.Run.RunId, task.TaskId, task.MapIndex, CancellationToken.None);
        }

        return input.Tasks.Count;
    }
}
