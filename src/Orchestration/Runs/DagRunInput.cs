using System.Collections.Immutable;
using Gale.Runs;

namespace Gale.Orchestration.Runs;

/// <summary>
/// What a <see cref="DagRunOrchestrator"/> instance is started with: the run as created (dates, conf, type), a
/// finished run carried into a new execution of its instance because it was cleared or marked, or a running run
/// carried into a fresh history because its history grew long (<see cref="DagRunTaskOptions.TriesPerHistory"/>).
/// </summary>
/// <param name="Run">The run, queued.</param>
/// <param name="Start">False: the run stays queued until a <see cref="Gale.Runs.Events.RunStarted"/> is raised (the scheduler starts runs within max_active_runs).</param>
/// <param name="Resume">The run to go on from (null: a new run).</param>
/// <param name="Events">The run events (serialized as raised) that reopen <paramref name="Resume"/>.</param>
/// <param name="Earlier">Tries that ended in the instance's earlier histories and are not an instance's current try (a
/// current try that ended there is read from <paramref name="Resume"/>).</param>
/// <param name="Received">The latest operations decided before this history began (see <see cref="RunStatus.Received"/>).</param>
/// <param name="DagYaml">The YAML DAG's text when the run was created, compressed (null for a C# DAG): its structure is pinned
/// (<see cref="PinnedDags"/>).</param>
public sealed record DagRunInput(DagRun Run, bool Start = true, RunSnapshotData? Resume = null, string? Events = null, IReadOnlyList<TaskTransition>? Earlier = null, IReadOnlyList<string>? Received = null, string? DagYaml = null);

/// <summary>How a DAG run orchestration ended.</summary>
/// <param name="State">Success or failed.</param>
/// <param name="Reason">Why, for people (e.g. "task_failure"); empty when this execution only carried a finished run on.</param>
/// <param name="Final">The whole run as it ended (every task instance, unlike the custom status of a large run).</param>
public sealed record DagRunResult(DagRunState State, string Reason, RunSnapshotData? Final = null);

/// <summary>A run snapshot as orchestration inputs and outputs carry it.</summary>
/// <param name="Run">The run.</param>
/// <param name="Tasks">Every task instance.</param>
/// <param name="AppliedEventIds">Ids of applied events that re-applying would change.</param>
/// <param name="PendingEvents">External events that arrived before a task waited for them.</param>
public sealed record RunSnapshotData(DagRun Run, IReadOnlyList<TaskInstance> Tasks, IReadOnlyList<string> AppliedEventIds, IReadOnlyList<PendingEvent> PendingEvents)
{
    /// <summary>The data of <paramref name="snapshot"/>.</summary>
    public static RunSnapshotData From(RunSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new RunSnapshotData(snapshot.Run, [.. snapshot.Tasks.Values], snapshot.AppliedEventIds, snapshot.PendingEvents);
    }

    /// <summary>The snapshot again.</summary>
    public RunSnapshot ToSnapshot() => new()
    {
        Run = Run,
        Tasks = Tasks.ToImmutableSortedDictionary(t => t.Key, t => t),
        AppliedEventIds = [.. AppliedEventIds ?? []],
        PendingEvents = [.. PendingEvents ?? []],
    };
}

/// <summary>One try of a task instance, as the <see cref="Activities.RunTaskAttempt"/> activity gets it.</summary>
/// <param name="Run">The run.</param>
/// <param name="Instance">The task instance, already recorded as running with this try.</param>
public sealed record AttemptInput(DagRun Run, TaskInstance Instance);

/// <summary>A trigger check of a deferred task, as the <see cref="Activities.PollTrigger"/> activity gets it.</summary>
/// <param name="Run">The run.</param>
/// <param name="Due">The check that is due.</param>
/// <param name="Deferral">What the task waits for.</param>
public sealed record TriggerCheckInput(RunKey Run, Gale.Runs.Events.TriggerCheckDue Due, Deferral Deferral);
