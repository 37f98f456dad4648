namespace Gale.Execution;

/// <summary>A TaskFlow-style task: a C# delegate whose return value becomes the <c>return_value</c> XCom.</summary>
public sealed class DelegateOperator(Func<TaskContext, ValueTask<object?>> run) : ITaskOperator
{
    /// <inheritdoc />
    public string OperatorName => "delegate";

    /// <inheritdoc />
    public ValueTask<object?> ExecuteAsync(TaskContext context) => run(context);
}
