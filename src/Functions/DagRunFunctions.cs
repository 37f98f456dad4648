using Gale.Orchestration;
using Gale.Orchestration.Activities;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Gale.Runs.Events;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Gale.Functions;

/// <summary>
/// A DAG run on Durable Functions: the orchestration function and the activity functions, each delegating to the
/// class gale serve registers on its task hub worker (<see cref="DagRunTasks"/>). The names are the classes' names, as
/// the orchestrator calls them.
/// </summary>
public sealed class DagRunFunctions(GaleFunctionApp app)
{
    /// <summary>The DAG run's orchestration (<see cref="DagRunOrchestrator"/>).</summary>
    [Function(nameof(DagRunOrchestrator))]
    public Task<DagRunResult> RunOrchestrator([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = context.GetInput<DagRunInput>() ?? throw new InvalidOperationException($"orchestration {context.InstanceId} has no {nameof(DagRunInput)}");
        return app.Orchestrator().RunAsync(context, input);
    }

    /// <summary>Runs one try of a task instance (<see cref="Orchestration.Activities.RunTaskAttempt"/>).</summary>
    [Function(nameof(Orchestration.Activities.RunTaskAttempt))]
    public Task<TaskFinished?> RunTaskAttempt([ActivityTrigger] AttemptInput input, string instanceId, [DurableClient] DurableTaskClient client) =>
        RunAsync<TaskFinished?>(nameof(Orchestration.Activities.RunTaskAttempt), input, instanceId, client);

    /// <summary>Checks a deferred task's trigger once (<see cref="Orchestration.Activities.PollTrigger"/>).</summary>
    [Function(nameof(Orchestration.Activities.PollTrigger))]
    public Task<string?> PollTrigger([ActivityTrigger] TriggerCheckInput input, string instanceId, [DurableClient] DurableTaskClient client) =>
        RunAsync<string>(nameof(Orchestration.Activities.PollTrigger), input, instanceId, client);

    /// <summary>Deletes cleared tries' XComs and rendered fields (<see cref="Orchestration.Activities.ClearTaskData"/>).</summary>
    [Function(nameof(Orchestration.Activities.ClearTaskData))]
    public Task<int> ClearTaskData([ActivityTrigger] ClearTaskDataInput input, string instanceId, [DurableClient] DurableTaskClient client) =>
        RunAsync<int>(nameof(Orchestration.Activities.ClearTaskData), input, instanceId, client);

    /// <summary>Runs the DAG's callbacks when the run ends (<see cref="Orchestration.Activities.FinishRun"/>).</summary>
    [Function(nameof(Orchestration.Activities.FinishRun))]
    public Task<bool> FinishRun([ActivityTrigger] FinishRunInput input, string instanceId, [DurableClient] DurableTaskClient client) =>
        RunAsync<bool>(nameof(Orchestration.Activities.FinishRun), input, instanceId, client);

    /// <summary>Reads the previous run of the DAG for depends_on_past (<see cref="Orchestration.Activities.ReadPreviousRun"/>).</summary>
    [Function(nameof(Orchestration.Activities.ReadPreviousRun))]
    public Task<RunSnapshotData?> ReadPreviousRun([ActivityTrigger] DagRun input, string instanceId, [DurableClient] DurableTaskClient client) =>
        RunAsync<RunSnapshotData?>(nameof(Orchestration.Activities.ReadPreviousRun), input, instanceId, client);

    private async Task<T?> RunAsync<T>(string name, object input, string instanceId, DurableTaskClient client)
    {
        var activity = app.Bind(client).Tasks.Activity(name);
        return (T?)await activity.RunAsync(new FunctionActivityContext(name, instanceId), input);
    }
}
