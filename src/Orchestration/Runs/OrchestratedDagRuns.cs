using System.Runtime.CompilerServices;
using Gale.Dags;
using Gale.Engine;
using Gale.Runs;
using Gale.Runs.Events;
using Microsoft.DurableTask.Client;

namespace Gale.Orchestration.Runs;

/// <summary>
/// DAG runs as <see cref="DagRunOrchestrator"/> instances, through a <see cref="DurableTaskClient"/>: a run is created
/// by starting its instance (deterministic id, so creating it twice creates one), changed by raising its events on the
/// instance (or, once the instance completed, by starting a new execution that carries the finished run on), and read
/// from the instance: a running run from its custom status, a finished one from its output, a pending one from its input.
/// </summary>
/// <param name="client">The task hub's client.</param>
/// <param name="dags">The loaded DAGs.</param>
/// <param name="clock">The clock.</param>
/// <param name="confirmWithin">
/// How long <see cref="ApplyAsync"/> waits for the instance to decide the events it raised, so that a read right after
/// a change shows it (default 10 s; zero: return the predicted run at once, for a caller with no worker running).
/// </param>
public sealed class OrchestratedDagRuns(DurableTaskClient client, IDagRegistry dags, TimeProvider clock, TimeSpan? confirmWithin = null) : IDagRuns
{
    private readonly TimeSpan _confirmWithin = confirmWithin ?? TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public TimeProvider Clock => clock;

    /// <inheritdoc />
    public async Task<(RunSnapshot Snapshot, bool Created)> CreateRunAsync(Dag dag, DagRun run, bool start = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(run);
        var queued = run with { State = DagRunState.Queued };
        if (!await OrchestratedRuns.StartAsync(client, new DagRunInput(queued, start, DagYaml: PinnedDags.Pin(dag)), cancellationToken))
        {
            return ((await LoadAsync(run.Key, cancellationToken))!, false);
        }

        // The instance may not have run an episode yet: the run as its first episode will make it.
        var created = RunSnapshotFactory.Create(dag, queued);
        return (start ? RunDecider.Decide(dag, created, [Started(run.Key)], clock.GetUtcNow()).Snapshot : created, true);
    }

    /// <inheritdoc />
    public async Task<RunSnapshot> ApplyAsync(RunKey run, IReadOnlyList<RunEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var dag = dags.Find(run.DagId) ?? throw new InvalidOperationException($"DAG '{run.DagId}' is not loaded in this process");
        while (true)
        {
            var instance = await client.GetInstanceAsync(RunInstanceId.For(run), getInputsAndOutputs: true, cancellationToken) ?? throw new RunNotFoundException(run);
            var input = instance.ReadInputAs<DagRunInput>();
            var current = Read(instance, input);
            // Predicted with the DAG the run decides with (a YAML DAG as it was when the run was created).
            var pinned = input is null ? dag : PinnedDags.Resolve(dags, input);
            var after = RunDecider.Decide(pinned, current, events, clock.GetUtcNow()).Snapshot;
            if (instance.RuntimeStatus == OrchestrationRuntimeStatus.Running && current.Run.State.IsFinished())
            {
                // The run ended and its instance is closing (DAG callbacks): an event raised now could arrive after it
                // completed and be dropped, so wait for the end and carry the finished run on instead. (A pending
                // instance has not decided anything yet: its first episode will take the event.)
                await client.WaitForInstanceCompletionAsync(instance.InstanceId, getInputsAndOutputs: false, cancellationToken);
                continue;
            }

            if (!instance.IsCompleted)
            {
                await OrchestratedRuns.RaiseAsync(client, run, events, cancellationToken);
                return await ConfirmedAsync(run, events, after, cancellationToken);
            }

            // A completed instance takes no more events: a new execution goes on from the finished run. If another
            // caller restarted it first, the events are raised on that execution instead (next time round).
            // The new execution's history starts empty: the finished run's earlier tries (those its instances show
            // no longer) go with it; each instance's last try is read from the run itself.
            var earlier = (await ReadHistoryAsync(run, cancellationToken)).Where(t => current.Find(new TaskInstanceKey(t.TaskId, t.MapIndex))?.TryNumber != t.TryNumber).ToList();
            var resume = new DagRunInput(current.Run, Resume: RunSnapshotData.From(current), Events: DagRunOrchestrator.Payload(events), Earlier: earlier, DagYaml: PinnedDags.Pin(dag));
            if (await OrchestratedRuns.RestartAsync(client, resume, cancellationToken))
            {
                return await ConfirmedAsync(run, events, after, cancellationToken);
            }
        }
    }

    // The run once its instance has decided the raised events (its status names them, or it completed), or the
    // prediction if that takes longer than the confirmation window (no worker running, a backlog).
    private async Task<RunSnapshot> ConfirmedAsync(RunKey run, IReadOnlyList<RunEvent> events, RunSnapshot predicted, CancellationToken cancellationToken)
    {
        if (_confirmWithin <= TimeSpan.Zero || events.Count == 0)
        {
            return predicted;
        }

        var last = events[^1].EventId;
        var deadline = clock.GetTimestamp() + (long)(_confirmWithin.TotalSeconds * clock.TimestampFrequency);
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            if (await client.GetInstanceAsync(RunInstanceId.For(run), getInputsAndOutputs: true, cancellationToken) is { } instance
                && (instance.IsCompleted || RunStatus.Of(instance)?.Received.Contains(last, StringComparer.Ordinal) == true))
            {
                return Read(instance);
            }

            if (clock.GetTimestamp() >= deadline)
            {
                return predicted;
            }

            await Task.Delay(delay, clock, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    /// <inheritdoc />
    public async Task<RunSnapshot?> LoadAsync(RunKey key, CancellationToken cancellationToken = default) =>
        await client.GetInstanceAsync(RunInstanceId.For(key), getInputsAndOutputs: true, cancellationToken) is { } instance ? Read(instance) : null;

    /// <inheritdoc />
    public async IAsyncEnumerable<DagRun> ListRunsAsync(string? dagId = null, DagRunState? state = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = new OrchestrationQuery(InstanceIdPrefix: dagId is null ? null : RunInstanceId.PrefixFor(dagId), PageSize: 500);
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (instance.Name != nameof(DagRunOrchestrator) || RunInstanceId.Parse(instance.InstanceId) is not { } key)
            {
                continue;
            }

            // A status names the run as it stands; an instance that has not run an episode yet, or whose orchestration
            // failed, is read whole.
            var run = instance.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated || RunStatus.Of(instance) is not { } status
                ? (await LoadAsync(key, cancellationToken))?.Run
                : status.Run;
            if (run is not null && (state is null || run.State == state))
            {
                yield return run;
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TaskTransition>> ReadHistoryAsync(RunKey key, CancellationToken cancellationToken = default)
    {
        var instanceId = RunInstanceId.For(key);
        try
        {
            return OrchestrationHistory.Transitions(await client.GetOrchestrationHistoryAsync(instanceId, cancellationToken));
        }
        catch (NotSupportedException)
        {
            // A client without history (the in-process test host): readers fall back to each instance's current try.
            return [];
        }
    }

    private static RunStarted Started(RunKey run) => new() { EventId = $"start:{run}", At = default };

    // The run as its instance shows it; input: the instance's input when the caller has read it already.
    private RunSnapshot Read(OrchestrationMetadata instance, DagRunInput? input = null)
    {
        if (instance.RuntimeStatus == OrchestrationRuntimeStatus.Completed && Output(instance)?.Final is { } final)
        {
            return final.ToSnapshot();
        }

        input ??= instance.ReadInputAs<DagRunInput>() ?? throw new InvalidOperationException($"instance '{instance.InstanceId}' has no run input");
        var snapshot = RunStatus.Of(instance)?.ToSnapshot()
            ?? input.Resume?.ToSnapshot()
            ?? (dags.Find(input.Run.DagId) is { } dag ? RunSnapshotFactory.Create(dag, input.Run) : new RunSnapshot { Run = input.Run });
        return instance.RuntimeStatus is OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated ? Ended(snapshot, instance) : snapshot;
    }

    private static DagRunResult? Output(OrchestrationMetadata instance)
    {
        try
        {
            return instance.ReadOutputAs<DagRunResult>();
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    // The orchestration itself failed (an error outside the tasks: the DAG not loaded, storage down past the retries)
    // or was terminated: the run failed as it stood, as when a person marks a run failed (unfinished tries failed,
    // the rest skipped), so that it does not count as active and can be cleared.
    private static RunSnapshot Ended(RunSnapshot snapshot, OrchestrationMetadata instance)
    {
        if (snapshot.Run.State.IsFinished())
        {
            return snapshot;
        }

        var why = instance.FailureDetails?.ErrorMessage ?? $"the run's orchestration was {instance.RuntimeStatus.ToString().ToLowerInvariant()}";
        var tasks = snapshot.Tasks.ToBuilder();
        foreach (var ti in snapshot.Tasks.Values.Where(t => !t.State.IsFinished()))
        {
            tasks[ti.Key] = ti.State == TaskInstanceState.None
                ? ti with { State = TaskInstanceState.Skipped, EndDate = instance.LastUpdatedAt }
                : ti with { State = TaskInstanceState.Failed, EndDate = instance.LastUpdatedAt, Message = why };
        }

        return snapshot with { Run = snapshot.Run with { State = DagRunState.Failed, EndDate = instance.LastUpdatedAt }, Tasks = tasks.ToImmutable() };
    }
}
