using Gale.Execution;
using Gale.Runs;
using Gale.Triggers;

namespace Gale.Operators;

/// <summary>
/// Waits, deferred, for an external event sent to its run (<c>gale runs event</c> or the API); the event's data is
/// its <c>return_value</c> XCom. After <see cref="Timeout"/> it fails, or is skipped with <see cref="SoftFail"/>.
/// </summary>
public sealed class WaitForEventOperator(string eventName) : ITaskOperator
{
    /// <inheritdoc />
    public string OperatorName => "wait_for_event";

    /// <summary>How long to wait at most; null: no limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Skip instead of failing on timeout.</summary>
    public bool SoftFail { get; init; }

    /// <inheritdoc />
    public ValueTask<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.TriggerEvent is { } data)
        {
            return ValueTask.FromResult<object?>(data);
        }

        throw new TaskDeferredException(new ExternalEventTrigger { Name = eventName }, "execute_complete", "{}", Timeout)
        {
            OnTimeout = SoftFail ? DeferralTimeoutOutcome.Skip : DeferralTimeoutOutcome.FailWithoutRetry,
        };
    }
}
