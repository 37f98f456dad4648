namespace Gale.Runs.Commands;

/// <summary>Something the engine must do after a decision is stored: the decision function's only output besides the new snapshot.</summary>
public abstract record RunCommand;

/// <summary>Put an attempt of a task instance on the task queue.</summary>
/// <param name="Run">The run.</param>
/// <param name="Task">The task instance.</param>
/// <param name="TryNumber">The attempt's number.</param>
public sealed record EnqueueAttempt(RunKey Run, TaskInstanceKey Task, int TryNumber) : RunCommand;

/// <summary>Deliver <see cref="Events.RetryDue"/> to the run at <paramref name="DueAt"/> (a durable timer).</summary>
/// <param name="Run">The run.</param>
/// <param name="Task">The task instance waiting for its retry.</param>
/// <param name="FailedTryNumber">The try that failed.</param>
/// <param name="DueAt">When the retry is due.</param>
public sealed record ScheduleRetry(RunKey Run, TaskInstanceKey Task, int FailedTryNumber, DateTimeOffset DueAt) : RunCommand;

/// <summary>The run reached a final state (callbacks, notifications, the next queued run).</summary>
/// <param name="Run">The run.</param>
/// <param name="State">Success or failed.</param>
/// <param name="Reason">Why, for people (e.g. "task_failure", "all_tasks_deadlocked").</param>
public sealed record RunFinished(RunKey Run, DagRunState State, string Reason) : RunCommand
{
    /// <summary>The reason of a run whose state a person set: no DAG callbacks run (as in Airflow).</summary>
    public const string Marked = "marked";
}

/// <summary>Remove the XComs of cleared task instances (a running one's are removed when its next try starts).</summary>
/// <param name="Run">The run.</param>
/// <param name="Tasks">The cleared task instances.</param>
public sealed record ClearTaskData(RunKey Run, IReadOnlyList<TaskInstanceKey> Tasks) : RunCommand;

/// <summary>Deliver <see cref="Events.RunTimeoutDue"/> to the run at <paramref name="DueAt"/> (its dagrun_timeout, a durable timer).</summary>
/// <param name="Run">The run.</param>
/// <param name="DueAt">When the run's time is up.</param>
public sealed record ScheduleRunTimeout(RunKey Run, DateTimeOffset DueAt) : RunCommand;

/// <summary>Deliver <see cref="Events.TriggerCheckDue"/> at <paramref name="DueAt"/> (a deferred task's durable timer).</summary>
/// <param name="Run">The run.</param>
/// <param name="Task">The deferred task instance.</param>
/// <param name="TryNumber">Its try.</param>
/// <param name="Check">The check's number.</param>
/// <param name="DueAt">When to check its trigger.</param>
public sealed record ScheduleTriggerCheck(RunKey Run, TaskInstanceKey Task, int TryNumber, int Check, DateTimeOffset DueAt) : RunCommand;

/// <summary>Deliver <see cref="Events.TriggerTimeoutDue"/> at <paramref name="DueAt"/>.</summary>
/// <param name="Run">The run.</param>
/// <param name="Task">The deferred task instance.</param>
/// <param name="TryNumber">Its try.</param>
/// <param name="DueAt">When its wait times out.</param>
public sealed record ScheduleTriggerTimeout(RunKey Run, TaskInstanceKey Task, int TryNumber, DateTimeOffset DueAt) : RunCommand;
