using Gale.Runs;
using Gale.Runs.Events;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Gale.Orchestration.Runs;

/// <summary>
/// Run operations from outside the orchestration (API, CLI, scheduler), through a <see cref="DurableTaskClient"/>:
/// start a run as an instance with its deterministic id, raise run events on it, read its status.
/// </summary>
public static class OrchestratedRuns
{
    // Between two histories of a run (ContinueAsNew) an instance may show this status: it is still running.
#pragma warning disable CS0618 // obsolete in the client, which newer backends never report; counted as running in case one does
    private const OrchestrationRuntimeStatus ContinuedAsNew = OrchestrationRuntimeStatus.ContinuedAsNew;
#pragma warning restore CS0618

    /// <summary>Starts <paramref name="run"/> as a <see cref="DagRunOrchestrator"/> instance unless one with its id exists.</summary>
    /// <returns>True when this call created the instance; false when the run already exists (nothing is created).</returns>
    public static Task<bool> StartAsync(DurableTaskClient client, DagRun run, CancellationToken cancellationToken = default) =>
        StartAsync(client, new DagRunInput(run), cancellationToken);

    /// <summary>Starts a <see cref="DagRunOrchestrator"/> instance for <paramref name="input"/>'s run unless one with its id exists.</summary>
    /// <returns>True when this call created the instance; false when the run already exists (nothing is created).</returns>
    public static async Task<bool> StartAsync(DurableTaskClient client, DagRunInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = input.Run;
        ArgumentNullException.ThrowIfNull(client);
        var instanceId = RunInstanceId.For(run.Key);
        try
        {
            // The backends replace a running instance started again under its id unless told which statuses refuse it.
            var options = new StartOrchestrationOptions(instanceId).WithDedupeStatuses(
                OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended,
                ContinuedAsNew, OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated);
            await client.ScheduleNewOrchestrationInstanceAsync(nameof(DagRunOrchestrator), input, options, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The backend refuses a second instance with the id (the dedupe statuses): the run exists, nothing was created.
            if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is not null)
            {
                return false;
            }

            throw;
        }
    }

    /// <summary>
    /// Starts a new execution of a run whose instance completed (a finished run cleared or marked), unless its instance
    /// is pending or running again.
    /// </summary>
    /// <returns>True when this call started it; false when another execution is already under way.</returns>
    public static async Task<bool> RestartAsync(DurableTaskClient client, DagRunInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(input);
        var instanceId = RunInstanceId.For(input.Run.Key);
        var options = new StartOrchestrationOptions(instanceId).WithDedupeStatuses(
            OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended, ContinuedAsNew);
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(nameof(DagRunOrchestrator), input, options, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken) is { IsCompleted: false })
            {
                return false;
            }

            throw;
        }
    }

    /// <summary>Raises <paramref name="runEvent"/> (a clear, a mark, an external event, a run state) on the run's instance.</summary>
    public static Task RaiseAsync(DurableTaskClient client, RunKey run, RunEvent runEvent, CancellationToken cancellationToken = default) =>
        RaiseAsync(client, run, [runEvent], cancellationToken);

    /// <summary>Raises <paramref name="events"/> on the run's instance, as one external event (applied together, in order).</summary>
    public static Task RaiseAsync(DurableTaskClient client, RunKey run, IReadOnlyList<RunEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(events);
        return client.RaiseEventAsync(RunInstanceId.For(run), DagRunOrchestrator.EventName, DagRunOrchestrator.Payload(events), cancellationToken);
    }

    /// <summary>The run's instance and its last published <see cref="RunStatus"/>, or null when there is no such run.</summary>
    public static async Task<(OrchestrationMetadata Instance, RunStatus? Status)?> GetAsync(DurableTaskClient client, RunKey run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var instance = await client.GetInstanceAsync(RunInstanceId.For(run), getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
        {
            return null;
        }

        return (instance, RunStatus.Of(instance));
    }
}
