using Gale.Execution;

namespace Gale.Operators;

/// <summary>
/// Chooses which direct downstream tasks run (Airflow's BranchPythonOperator); the others are skipped. The choice
/// is also the task's <c>return_value</c> XCom.
/// </summary>
public sealed class BranchOperator(Func<TaskContext, ValueTask<IReadOnlyList<string>>> choose) : ITaskOperator
{
    /// <inheritdoc />
    public string OperatorName => "branch";

    /// <inheritdoc />
    public async ValueTask<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var chosen = await choose(context);
        context.Follow(chosen);
        return chosen;
    }
}

/// <summary>
/// Continues only when a condition holds (Airflow's ShortCircuitOperator): when it is false, every downstream task
/// except teardowns is skipped. The condition is the task's <c>return_value</c> XCom.
/// </summary>
public sealed class ShortCircuitOperator(Func<TaskContext, ValueTask<bool>> condition) : ITaskOperator
{
    /// <inheritdoc />
    public string OperatorName => "short_circuit";

    /// <inheritdoc />
    public async ValueTask<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var proceed = await condition(context);
        if (!proceed)
        {
            context.ShortCircuit();
        }

        return proceed;
    }
}
