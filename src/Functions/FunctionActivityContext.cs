using Microsoft.DurableTask;

namespace Gale.Functions;

/// <summary>The activity context an activity class gets on Durable Functions, which binds its input but not a context.</summary>
internal sealed class FunctionActivityContext(TaskName name, string instanceId) : TaskActivityContext
{
    /// <inheritdoc/>
    public override TaskName Name => name;

    /// <inheritdoc/>
    public override string InstanceId => instanceId;
}
