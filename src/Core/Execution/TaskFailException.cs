namespace Gale.Execution;

/// <summary>Fails the task at once, without its remaining retries (Airflow's AirflowFailException; a sensor's timeout).</summary>
public sealed class TaskFailException : Exception
{
    /// <summary>Creates the exception with the reason shown on the task instance.</summary>
    public TaskFailException(string reason)
        : base(reason)
    {
    }

    /// <summary>Creates the exception.</summary>
    public TaskFailException()
        : this("failed without retry")
    {
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public TaskFailException(string reason, Exception innerException)
        : base(reason, innerException)
    {
    }
}
