using Gale.Engine;
using Gale.Limits;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Gale.Runs.Events;
using Microsoft.DurableTask;

namespace Gale.Orchestration.Activities;

/// <summary>
/// The activity that runs one try of a task instance (at least once, as in Airflow and Durable Functions): the
/// operator, its log, XComs, outlets and callbacks, through the same <see cref="TaskAttemptExecutor"/> the queue
/// engine uses, under the try's span and metrics. It returns how the try ended; the orchestration decides what follows.
/// <list type="bullet">
/// <item>With <see cref="TaskServices"/> given, the try first takes its DAG's max_active_tasks slot and its pool
/// slots (shared by every host through the slot store), holds them while it runs and gives them back; when they are
/// busy it runs nothing and returns null, and the orchestration queues the try again a moment later.</item>
/// <item>While the try runs, it looks at its instance every <see cref="TryWatch.Interval"/> and stops the try once a
/// person changed it (marked it, cleared it, marked the run), as Airflow's task runner terminates an instance whose
/// state was set externally.</item>
/// </list>
/// </summary>
/// <param name="dags">The loaded DAGs.</param>
/// <param name="executor">Runs the try.</param>
/// <param name="watch">Reads the try's instance while it runs (null: never stopped from outside).</param>
/// <param name="limits">The slot and pool stores (null: no limits, as in <c>gale dags test</c>).</param>
/// <param name="clock">The clock slot leases are dated by (default: the system clock).</param>
public sealed class RunTaskAttempt(IDagRegistry dags, TaskAttemptExecutor executor, TryWatch? watch = null, TaskServices? limits = null, TimeProvider? clock = null) : TaskActivity<AttemptInput, TaskFinished?>
{
    /// <summary>How long a slot is held without renewal (a host that dies gives its slots back after this).</summary>
    public static readonly TimeSpan SlotLease = TimeSpan.FromSeconds(60);

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <inheritdoc />
    public override async Task<TaskFinished?> RunAsync(TaskActivityContext context, AttemptInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var run = input.Run;
        var ti = input.Instance;
        var dag = dags.Find(run.DagId) ?? throw new InvalidOperationException($"DAG '{run.DagId}' is not loaded on this worker");
        var task = dag.HasTask(ti.TaskId) ? dag.GetTask(ti.TaskId) : throw new InvalidOperationException($"DAG '{run.DagId}' has no task '{ti.TaskId}'");
        var attempt = new AttemptMessage(run.DagId, run.RunId, ti.TaskId, ti.MapIndex, ti.TryNumber);
        var slots = limits is null ? null : HeldSlots.None(limits.Slots);
        if (limits is not null)
        {
            var (held, problem) = await TaskLimits.TryAcquireAsync(limits.Slots, limits.Pools, dag, task, attempt.AttemptId, _clock.GetUtcNow() + SlotLease);
            if (problem is not null)
            {
                return executor.Finished(attempt, ti, AttemptOutcome.Failed, problem, null, null, false); // it can never run
            }

            if (held is null)
            {
                return null; // busy
            }

            slots = held;
        }

        try
        {
            // The try starts now, with its slots: the run shows when it was handed out until it ends.
            return await RunWithSlotsAsync(dag, task, run, ti with { StartDate = _clock.GetUtcNow() }, attempt, slots);
        }
        finally
        {
            if (slots is not null)
            {
                await slots.ReleaseAsync();
            }
        }
    }

    private async Task<TaskFinished> RunWithSlotsAsync(Gale.Dags.Dag dag, Gale.Dags.DagTask task, DagRun run, TaskInstance ti, AttemptMessage attempt, HeldSlots? slots)
    {
        using var telemetry = Gale.Telemetry.GaleTelemetry.StartAttempt(run, ti, task.Operator.OperatorName);
        using var changed = new CancellationTokenSource();
        using var finished = new CancellationTokenSource();
        var watching = watch?.WatchAsync(run.Key, ti, changed, finished.Token) ?? Task.FromResult<TaskInstanceState?>(null);
        var renewing = slots is null ? Task.CompletedTask : RenewAsync(slots, finished.Token);
        var result = await executor.ExecuteAsync(dag, task, run, ti, attempt, changed.Token);
        await finished.CancelAsync();
        var setTo = await watching;
        await renewing;
        if (result is TaskReleased && changed.IsCancellationRequested)
        {
            // Stopped because the instance was set from outside: the orchestration already holds its new state and
            // ignores this try's end.
            result = executor.Finished(attempt, ti, AttemptOutcome.Failed, $"the task instance was externally set to {setTo?.ToString().ToLowerInvariant() ?? "another try"}; this try was stopped", null, null, false);
        }

        telemetry.Finish(result, ti.TryNumber, ti.MaxTries);
        return result as TaskFinished ?? throw new InvalidOperationException($"attempt {attempt.AttemptId} was released unfinished");
    }

    private async Task RenewAsync(HeldSlots slots, CancellationToken done)
    {
        while (!done.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(SlotLease / 4, _clock, done);
                await slots.RenewAsync(_clock.GetUtcNow() + SlotLease, done);
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Storage unreachable for a moment: renew next time (the lease outlasts a few misses).
            }
        }
    }
}
