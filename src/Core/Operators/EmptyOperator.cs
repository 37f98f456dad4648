using Gale.Execution;

namespace Gale.Operators;

/// <summary>Does nothing (Airflow's EmptyOperator): a join point or placeholder.</summary>
public sealed class EmptyOperator : ITaskOperator
{
    /// <inheritdoc />
    public string OperatorName => "empty";

    /// <inheritdoc />
    public ValueTask<object?> ExecuteAsync(TaskContext context) => ValueTask.FromResult<object?>(null);
}
