namespace Gale.Execution;

/// <summary>What a task runs. Throw <see cref="TaskSkippedException"/> to skip; any other exception fails the attempt.</summary>
public interface ITaskOperator
{
    /// <summary>The operator's name as shown in the UI and YAML (<c>shell</c>, <c>python</c>-style <c>delegate</c>, …).</summary>
    string OperatorName { get; }

    /// <summary>Runs one attempt. The returned value (if not null) becomes the <c>return_value</c> XCom.</summary>
    ValueTask<object?> ExecuteAsync(TaskContext context);
}
