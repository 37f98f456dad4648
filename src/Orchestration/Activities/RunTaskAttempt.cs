using Gale.Engine;
using Gale.Orchestration.Runs;
using Gale.Runs.Events;
using Microsoft.DurableTask;

namespace Gale.Orchestration.Activities;

/// <summary>
/// The activity that runs one try of a task instance (at least once, as in Airflow and Durable Functions): the
/// operator, its log, XComs, outlets and callbacks, through the same <see cref="TaskAttemptExecutor"/> the queue
/// engine uses, under the try's span and metrics. It returns how the try ended; the orchestration decides what follows.
/// </summary>
/// <param name="dags">The loaded DAGs.</param>
/// <param name="executor">Runs the try.</param>
public sealed class RunTaskAttempt(IDagRegistry dags, TaskAttemptExecutor executor) : TaskActivity<AttemptInput, TaskFinished>
{
    /// <inheritdoc />
    public override async Task<TaskFinished> RunAsync(TaskActivityContext context, AttemptInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = input.Run;
        var ti = input.Instance;
        var dag = dags.Find(run.DagId) ?? throw new InvalidOperationException($"DAG '{run.DagId}' is not loaded on this worker");
        var task = dag.HasTask(ti.TaskId) ? dag.GetTask(ti.TaskId) : throw new InvalidOperationException($"DAG '{run.DagId}' has no task '{ti.TaskId}'");
        var attempt = new AttemptMessage(run.DagId, run.RunId, ti.TaskId, ti.MapIndex, ti.TryNumber);
        using var telemetry = Gale.Telemetry.GaleTelemetry.StartAttempt(run, ti, task.Operator.OperatorName);
        var result = await executor.ExecuteAsync(dag, task, run, ti, attempt, CancellationToken.None);
        telemetry.Finish(result, ti.TryNumber, ti.MaxTries);
        return result as TaskFinished ?? throw new InvalidOperationException($"attempt {attempt.AttemptId} was released unfinished");
    }
}
