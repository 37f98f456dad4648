namespace Gale.Execution;

/// <summary>Thrown by a task to end its attempt in state <c>skipped</c> (Airflow's AirflowSkipException).</summary>
public sealed class TaskSkippedException : Exception
{
    /// <summary>Creates the exception with a reason shown in the task's log.</summary>
    public TaskSkippedException(string reason = "skipped by the task")
        : base(reason)
    {
    }
}
