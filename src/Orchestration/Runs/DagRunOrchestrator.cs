using Gale.Engine;
using Gale.Orchestration.Activities;
using Gale.Runs;
using Gale.Runs.Commands;
using Gale.Runs.Events;
using Microsoft.DurableTask;

namespace Gale.Orchestration.Runs;

/// <summary>
/// A DAG run as a Durable Task orchestration. Each episode feeds what happened to the pure
/// <see cref="RunDecider"/> and turns its commands into durable work: a try becomes a <see cref="RunTaskAttempt"/>
/// activity, a retry delay, dagrun_timeout or trigger check a durable timer, a polling trigger a
/// <see cref="PollTrigger"/> activity, the run's end a <see cref="FinishRun"/> activity (DAG callbacks), and operations from the API or CLI arrive as external events named
/// <see cref="EventName"/> carrying a serialized <see cref="RunEvent"/>. Deterministic: time comes from the context
/// and every effect is an activity, a timer or an event. After each episode the run's compact
/// <see cref="RunStatus"/> is published as the custom status. Past <c>triesPerHistory</c> tries the run goes on in a
/// fresh history of its instance (ContinueAsNew), so that no history grows without bound.
/// </summary>
/// <param name="dags">The loaded DAGs (a YAML DAG's structure is the one pinned in the run's input: <see cref="PinnedDags"/>).</param>
/// <param name="memo">Decisions made before in this process, reused on replay (default: <see cref="DecisionMemo.Shared"/>).</param>
/// <param name="triesPerHistory">Tries one history holds before the run goes on in a fresh one (see <see cref="DagRunTaskOptions.TriesPerHistory"/>).</param>
public sealed class DagRunOrchestrator(IDagRegistry dags, DecisionMemo? memo = null, int triesPerHistory = DagRunOrchestrator.DefaultTriesPerHistory) : TaskOrchestrator<DagRunInput, DagRunResult>
{
    /// <summary>
    /// Tries one history holds by default: a 1,000-task fan-out runs in one history, a 10,000-task run in about five
    /// (each episode of the Azure Storage backend reads the whole history, so its length bounds every episode's cost).
    /// </summary>
    public const int DefaultTriesPerHistory = 2_000;

    private readonly DecisionMemo _memo = memo ?? DecisionMemo.Shared;

    /// <summary>The external event every run operation is raised as.</summary>
    public const string EventName = "gale";

    /// <summary>The worker recorded on tries the orchestration starts.</summary>
    public const string WorkerId = "durable-task";

    /// <summary>How long a try whose slots were busy waits before it starts again.</summary>
    public static readonly TimeSpan SlotRetryDelay = TimeSpan.FromSeconds(1);

    // Storage hiccups in the bookkeeping activities are retried; a task try itself is never retried here (the decider
    // owns Airflow's retries).
    private static readonly TaskOptions Retries = new(new TaskRetryOptions(new Microsoft.DurableTask.RetryPolicy(5, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(30))));

    /// <inheritdoc />
    public override async Task<DagRunResult> RunAsync(TaskOrchestrationContext context, DagRunInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var dag = PinnedDags.Resolve(dags, input);
        var decisions = _memo.Start(context.InstanceId, dag, input);
        var snapshot = decisions.First;
        using var timers = new CancellationTokenSource();
        var arrivals = new Arrivals();
        var starting = new List<TaskStarted>();
        var operations = new Operations(input.Received);
        arrivals.Watch(ListenAsync(context, arrivals, operations));
        List<RunEvent> events = input.Resume is not null ? operations.Raised(ReadEvents(input.Events), context.CurrentUtcDateTime)
            : input.Start ? [new RunStarted { EventId = $"start:{snapshot.Key}", At = context.CurrentUtcDateTime }]
            : [];
        string? reason = null;
        string? ended = null;
        var pastMatters = PastDependency.Applies(dag);
        RunSnapshot? previous = null;
        var tries = 0;
        var finishedHere = new List<(TaskFinished, DateTimeOffset)>();
        if (input.Resume is not null)
        {
            // The timers and starts of the history this run came from are gone: what it waits on is issued again.
            Arm(context, arrivals, events, RunDecider.Rearm(dag, snapshot), () => snapshot, timers.Token, draining: false);
            starting.AddRange(snapshot.Tasks.Values.Where(t => t.State == TaskInstanceState.Running).Select(t => new TaskStarted { EventId = $"resume:{t.Key}/{t.TryNumber}", Task = t.Key, TryNumber = t.TryNumber, WorkerId = WorkerId, At = context.CurrentUtcDateTime }));
        }

        while (true)
        {
            if (events.Count > 0)
            {
                if (pastMatters && (previous is null || (events.Any(e => e is RunStarted or RunReevaluate) && WaitsOnThePast(dag, snapshot))))
                {
                    // depends_on_past: the previous run as it stands now (it may have finished since the last look).
                    previous = (await context.CallActivityAsync<RunSnapshotData?>(nameof(ReadPreviousRun), snapshot.Run, Retries))?.ToSnapshot()
                        ?? new RunSnapshot { Run = snapshot.Run with { RunId = string.Empty } };
                }

                foreach (var finished in events.OfType<TaskFinished>())
                {
                    finishedHere.Add((finished, snapshot.Find(finished.Task)?.QueuedAt ?? finished.StartedAt ?? finished.At));
                }

                var decision = decisions.Decide(snapshot, events, context.CurrentUtcDateTime, previous);
                snapshot = decision.Snapshot;
                operations.Decided(events);
                starting.AddRange(events.OfType<TaskStarted>());
                events = [];
                foreach (var clear in decision.Commands.OfType<Gale.Runs.Commands.ClearTaskData>())
                {
                    // Before the cleared instances' next tries start, so they never see old XComs.
                    await context.CallActivityAsync<int>(nameof(Activities.ClearTaskData), new ClearTaskDataInput(clear.Run, clear.Tasks), Retries);
                }

                reason = Arm(context, arrivals, events, decision.Commands, () => snapshot, timers.Token, draining: tries >= triesPerHistory) ?? reason;
                continue;
            }

            // Tries whose start the decider recorded run now, with the instance as it stands (running, this try).
            foreach (var started in starting)
            {
                if (snapshot.Find(started.Task) is { State: TaskInstanceState.Running } ti && ti.TryNumber == started.TryNumber)
                {
                    arrivals.Watch(RunAttemptAsync(context, arrivals, snapshot.Run, ti, timers.Token));
                    tries++;
                }
            }

            starting.Clear();
            context.SetCustomStatus(new PublishedRunStatus(snapshot, operations.Received));
            if (tries >= triesPerHistory && !snapshot.Run.State.IsFinished() && arrivals.ActivitiesRunning == 0)
            {
                if (arrivals.TakeAll() is { Count: > 0 } last)
                {
                    events = last;
                    continue;
                }

                // This history holds enough: the run goes on in a fresh one from where it stands. Starts held back
                // meanwhile left their instances queued; the next history starts them and sets its timers again.
                timers.Cancel();
                _memo.Forget(context.InstanceId);
                context.ContinueAsNew(input with { Resume = RunSnapshotData.From(snapshot), Events = null, Earlier = OrchestrationHistory.Superseded(input, finishedHere, snapshot), Received = operations.Received });
                return new DagRunResult(snapshot.Run.State, string.Empty);
            }

            if (snapshot.Run.State.IsFinished())
            {
                if (reason is not null)
                {
                    // Only when this execution ended the run: a finished run carried on unchanged has had its callbacks.
                    await context.CallActivityAsync<bool>(nameof(FinishRun), new FinishRunInput(snapshot.Run, reason), Retries);
                    ended = reason;
                    reason = null;
                }

                // Operations raised while the run was finishing (a clear sent as soon as it failed) reopen it here.
                if (arrivals.TakeAll() is { Count: > 0 } late)
                {
                    events = late;
                    continue;
                }

                if (arrivals.ActivitiesRunning > 0)
                {
                    // Tries still running on a run that finished without them (a person marked them or the run): the
                    // instance cannot complete before they return, so it goes on taking operations until they do.
                    events = await arrivals.NextAsync();
                    continue;
                }

                break;
            }

            events = await arrivals.NextAsync();
        }

        timers.Cancel(); // synchronously: the orchestrator must not continue on another thread
        _memo.Forget(context.InstanceId);
        return new DagRunResult(snapshot.Run.State, ended ?? string.Empty, RunSnapshotData.From(snapshot));
    }

    // Operations raised on the instance, one after another for the life of the run (never ends; watched so that a
    // failure would surface).
    // Turns a decision's commands into durable work: starts become events decided next (none while the history is
    // full: the instance stays queued for the next history), timers and trigger checks are watched. Returns the
    // reason of a run that finished.
    private static string? Arm(TaskOrchestrationContext context, Arrivals arrivals, List<RunEvent> events, IReadOnlyList<RunCommand> commands, Func<RunSnapshot> current, CancellationToken timers, bool draining)
    {
        string? reason = null;
        foreach (var command in commands)
        {
            switch (command)
            {
                case EnqueueAttempt attempt when !draining:
                    events.Add(new TaskStarted { EventId = $"start:{attempt.Run}/{attempt.Task}/{attempt.TryNumber}", Task = attempt.Task, TryNumber = attempt.TryNumber, WorkerId = WorkerId, At = context.CurrentUtcDateTime });
                    break;
                case ScheduleRetry retry:
                    arrivals.Watch(After(context, retry.DueAt, timers, EngineEvents.RetryDue(retry.Run, retry.Task, retry.FailedTryNumber, retry.DueAt)));
                    break;
                case ScheduleRunTimeout timeout:
                    arrivals.Watch(After(context, timeout.DueAt, timers, EngineEvents.RunTimeoutDue(timeout.Run, timeout.DueAt)));
                    break;
                case ScheduleTriggerTimeout timeout:
                    arrivals.Watch(After(context, timeout.DueAt, timers, new TriggerTimeoutDue { EventId = $"trigger-timeout:{timeout.Run}/{timeout.Task}/{timeout.TryNumber}", Task = timeout.Task, TryNumber = timeout.TryNumber, At = timeout.DueAt }));
                    break;
                case ScheduleTriggerCheck check:
                    arrivals.Watch(CheckTriggerAsync(context, arrivals, check, current, timers));
                    break;
                case RunFinished finished:
                    reason = finished.Reason;
                    break;
            }
        }

        return reason;
    }

    private static async Task<RunEvent?> ListenAsync(TaskOrchestrationContext context, Arrivals arrivals, Operations operations)
    {
        while (true)
        {
            var payload = await context.WaitForExternalEvent<string>(EventName);
            // A payload that is not a list of run events changes nothing (it is in the history, so every replay skips it too).
            arrivals.Add(operations.Raised(ReadEvents(payload), context.CurrentUtcDateTime));
        }
    }

    // A task that depends on the past has not started: only then is the previous run worth reading again (the
    // scheduler asks every tick).
    private static bool WaitsOnThePast(Gale.Dags.Dag dag, RunSnapshot snapshot) =>
        snapshot.Tasks.Values.Any(t => t.State == TaskInstanceState.None && dag.HasTask(t.TaskId) && dag.GetTask(t.TaskId).DependsOnPast);

    /// <summary>The payload operations are raised with: the run events, in order.</summary>
    public static string Payload(IReadOnlyList<RunEvent> events) => EngineMessages.Serialize(events.ToArray());

    private static RunEvent[] ReadEvents(string? payload)
    {
        try
        {
            return payload is null ? [] : EngineMessages.Deserialize<RunEvent[]>(payload);
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }

    private static async Task<RunEvent?> After(TaskOrchestrationContext context, DateTimeOffset dueAt, CancellationToken cancellation, RunEvent due)
    {
        await UntilAsync(context, dueAt, cancellation);
        return due;
    }

    // A durable timer, waited again if it fired early: the Azure Storage backend delays timer messages in whole
    // seconds, so a 1.8 s retry_delay could otherwise come 0.8 s early.
    private static async Task UntilAsync(TaskOrchestrationContext context, DateTimeOffset dueAt, CancellationToken cancellation)
    {
        do
        {
            await context.CreateTimer(dueAt.UtcDateTime, cancellation);
        }
        while (context.CurrentUtcDateTime < dueAt.UtcDateTime);
    }

    private static async Task<RunEvent?> RunAttemptAsync(TaskOrchestrationContext context, Arrivals arrivals, DagRun run, TaskInstance ti, CancellationToken timers)
    {
        try
        {
            if (await arrivals.Activity(context.CallActivityAsync<TaskFinished?>(nameof(RunTaskAttempt), new AttemptInput(run, ti))) is { } finished)
            {
                return finished;
            }

            // Its max_active_tasks or pool slots are busy: the try goes back to queued and starts again a moment later.
            var now = context.CurrentUtcDateTime;
            var due = now + SlotRetryDelay;
            arrivals.Watch(After(context, due, timers, new TaskStarted { EventId = $"start:{run.Key}/{ti.Key}/{ti.TryNumber}@{due.Ticks}", Task = ti.Key, TryNumber = ti.TryNumber, WorkerId = WorkerId, At = due }));
            return new TaskReleased { EventId = $"busy:{run.Key}/{ti.Key}/{ti.TryNumber}@{now.Ticks}", Task = ti.Key, TryNumber = ti.TryNumber, WorkerId = WorkerId, At = now };
        }
        catch (TaskFailedException e)
        {
            // The activity itself failed (the DAG or task is not loaded on the worker, the worker broke): the try fails.
            return new TaskFinished
            {
                EventId = $"finish:{run.Key}/{ti.Key}/{ti.TryNumber}",
                Task = ti.Key,
                TryNumber = ti.TryNumber,
                Outcome = AttemptOutcome.Failed,
                Message = e.FailureDetails.ErrorMessage,
                StartedAt = ti.StartDate,
                WorkerId = WorkerId,
                At = context.CurrentUtcDateTime,
            };
        }
    }

    private static async Task<RunEvent?> CheckTriggerAsync(TaskOrchestrationContext context, Arrivals arrivals, ScheduleTriggerCheck check, Func<RunSnapshot> current, CancellationToken cancellation)
    {
        await UntilAsync(context, check.DueAt, cancellation);
        var due = new TriggerCheckDue { EventId = $"check:{check.Run}/{check.Task}/{check.TryNumber}/{check.Check}", Task = check.Task, TryNumber = check.TryNumber, Check = check.Check, At = check.DueAt };
        var ti = current().Find(check.Task);
        if (!TriggerRunner.IsCurrent(ti, due))
        {
            return null; // resumed, cleared or superseded meanwhile
        }

        try
        {
            var result = await arrivals.Activity(context.CallActivityAsync<string>(nameof(PollTrigger), new TriggerCheckInput(check.Run, due, ti!.Deferral!), Retries));
            return EngineMessages.Deserialize<RunEvent>(result);
        }
        catch (TaskFailedException e)
        {
            // The check could not run at all: the try fails as when a check throws (the decider applies it once).
            return new TriggerChecked { EventId = $"checked:{check.Run}/{check.Task}/{check.TryNumber}/{check.Check}", Task = check.Task, TryNumber = check.TryNumber, Check = check.Check, Error = e.FailureDetails.ErrorMessage, At = context.CurrentUtcDateTime };
        }
    }
}
