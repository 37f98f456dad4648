using System.Text.Json;
using Gale.Execution;
using Gale.Runs;
using Gale.Triggers;

namespace Gale.Operators;

/// <summary>How a sensor waits (Airflow's sensor modes).</summary>
public enum SensorMode
{
    /// <summary>Holds its worker and checks every poke interval.</summary>
    Poke,

    /// <summary>Checks, then gives the worker back as up_for_reschedule and runs again after the poke interval.</summary>
    Reschedule,

    /// <summary>Defers at once: the checks run between durable timers, never on a worker (the default).</summary>
    Deferrable,
}

/// <summary>
/// Waits until a condition holds (Airflow's BaseSensorOperator): the condition is a <see cref="PollingTrigger"/>,
/// whose poke interval and exponential backoff apply in every mode. After <see cref="Timeout"/> (counted from the
/// first check) the task fails without retrying, or is skipped with <see cref="SoftFail"/>. The event the condition
/// fired with is the task's <c>return_value</c> XCom.
/// </summary>
public sealed class SensorOperator(Func<TaskContext, PollingTrigger> condition, string name = "sensor") : ITaskOperator
{
    /// <summary>A sensor for a fixed condition.</summary>
    public SensorOperator(PollingTrigger condition, string name = "sensor")
        : this(_ => condition, name)
    {
    }

    private const string StartedAt = "sensor_started_at";
    private const string ChecksKey = "checks";

    /// <inheritdoc />
    public string OperatorName => name;

    /// <summary>How to wait (default deferrable).</summary>
    public SensorMode Mode { get; init; } = SensorMode.Deferrable;

    /// <summary>How long to wait at most (Airflow's default: 7 days).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Skip instead of failing on timeout.</summary>
    public bool SoftFail { get; init; }

    /// <inheritdoc />
    public async ValueTask<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.NextMethod == "execute_complete")
        {
            return context.TriggerEvent; // the deferred condition fired
        }

        var now = context.Clock.GetUtcNow();
        var kwargs = context.NextKwargs;
        var started = kwargs.TryGetProperty(StartedAt, out var s) ? s.GetDateTimeOffset() : now;
        var checks = kwargs.TryGetProperty(ChecksKey, out var c) ? c.GetInt32() : 0;
        var onTimeout = SoftFail ? DeferralTimeoutOutcome.Skip : DeferralTimeoutOutcome.FailWithoutRetry;
        var trigger = condition(context);
        if (Mode == SensorMode.Deferrable)
        {
            throw new TaskDeferredException(trigger, "execute_complete", "{}", Timeout) { OnTimeout = onTimeout };
        }

        var triggers = context.TriggerContextFor ?? throw new InvalidOperationException("sensors need a trigger context");
        while (true)
        {
            var check = await trigger.CheckAsync(triggers(checks));
            if (check.Fired)
            {
                return JsonDocument.Parse(check.Event).RootElement.Clone();
            }

            now = context.Clock.GetUtcNow();
            var wait = trigger.IntervalAfter(checks);
            checks++;
            if (now - started >= Timeout)
            {
                throw TimedOut(started);
            }

            if (Mode == SensorMode.Reschedule)
            {
                var remaining = Timeout - (now - started);
                var next = JsonSerializer.Serialize(new Dictionary<string, object> { [StartedAt] = started, [ChecksKey] = checks }, XComJson.Options);
                throw new TaskDeferredException(new DateTimeTrigger { Moment = now + wait }, null, next, remaining) { Reschedule = true, OnTimeout = onTimeout };
            }

            await Task.Delay(wait, context.Clock, context.CancellationToken);
        }
    }

    private Exception TimedOut(DateTimeOffset started)
    {
        var message = $"sensor timed out after {Timeout} (waiting since {started:O})";
        return SoftFail ? new TaskSkippedException(message + " (soft_fail)") : new TaskFailException(message);
    }
}
