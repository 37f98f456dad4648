using Gale.Engine;
using Gale.Orchestration.Runs;
using Gale.Runs.Events;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Orchestration.Activities;

/// <summary>
/// Checks a deferred task's polling trigger once (Airflow's triggerer, between durable timers): fired, not yet (with
/// the next check time), or failed.
/// </summary>
/// <param name="services">What triggers use (HTTP, connections, blobs, trigger state).</param>
/// <param name="clock">The clock.</param>
/// <param name="runs">The runs sensors that watch other runs read (null: none).</param>
/// <param name="loggers">Where logs go.</param>
/// <remarks>The result is the <see cref="RunEvent"/> serialized with its type (<see cref="EngineMessages"/>): the
/// activity's output is written as its runtime type, which a reader of the base type could not tell apart.</remarks>
public sealed class PollTrigger(TaskServices services, TimeProvider clock, IRunReader? runs = null, ILoggerFactory? loggers = null) : TaskActivity<TriggerCheckInput, string>
{
    private readonly ILogger _log = (loggers ?? NullLoggerFactory.Instance).CreateLogger<PollTrigger>();

    /// <inheritdoc />
    public override async Task<string> RunAsync(TaskActivityContext context, TriggerCheckInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var result = await TriggerRunner.CheckOnceAsync(input.Run, input.Due, input.Deferral, clock, runs, services, _log, CancellationToken.None);
        return EngineMessages.Serialize(result);
    }
}
