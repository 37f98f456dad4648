namespace Gale.Dags;

/// <summary>A DAG definition is invalid: a cycle, a duplicate or unknown task id, or a bad setting. The message names the DAG, the field and the problem.</summary>
public sealed class DagValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DagValidationException(string dagId, string message)
        : base($"DAG '{dagId}': {message}")
    {
        DagId = dagId;
    }

    /// <summary>The DAG that failed validation.</summary>
    public string DagId { get; }
}
