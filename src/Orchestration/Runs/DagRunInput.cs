using Gale.Runs;

namespace Gale.Orchestration.Runs;

/// <summary>What a <see cref="DagRunOrchestrator"/> instance is started with: the run as created (dates, conf, type).</summary>
/// <param name="Run">The run, queued.</param>
public sealed record DagRunInput(DagRun Run);

/// <summary>How a DAG run orchestration ended.</summary>
/// <param name="State">Success or failed.</param>
/// <param name="Reason">Why, for people (e.g. "task_failure").</param>
public sealed record DagRunResult(DagRunState State, string Reason);

/// <summary>One try of a task instance, as the <see cref="Activities.RunTaskAttempt"/> activity gets it.</summary>
/// <param name="Run">The run.</param>
/// <param name="Instance">The task instance, already recorded as running with this try.</param>
public sealed record AttemptInput(DagRun Run, TaskInstance Instance);

/// <summary>A trigger check of a deferred task, as the <see cref="Activities.PollTrigger"/> activity gets it.</summary>
/// <param name="Run">The run.</param>
/// <param name="Due">The check that is due.</param>
/// <param name="Deferral">What the task waits for.</param>
public sealed record TriggerCheckInput(RunKey Run, Gale.Runs.Events.TriggerCheckDue Due, Deferral Deferral);
