using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Engine;

/// <summary>
/// Applies run events from the control queue (timers, API requests, other hosts), many per commit: a batch is
/// grouped by run and each run's events are applied together.
/// </summary>
public sealed partial class ControlWorker(RunEngine engine, IMessageQueue control, EngineOptions options, TimeProvider clock, ILogger<ControlWorker>? log = null)
{
    private readonly ILogger _log = log ?? (ILogger)NullLogger.Instance;

    /// <summary>Runs the trigger checks that arrive on the control queue (null: they are left for a host that has one).</summary>
    public TriggerRunner? Triggers { get; set; }

    /// <summary>Polls until <paramref name="stopping"/> fires.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var idle = options.MinPollInterval;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var messages = await control.ReceiveAsync(32, options.Lease, stopping);
                if (messages.Count == 0)
                {
                    await Task.Delay(idle, clock, stopping);
                    idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, options.MaxPollInterval.Ticks));
                    continue;
                }

                idle = options.MinPollInterval;
                await ProcessAsync(messages, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogPollFailed(_log, control.Name, e.Message);
                await Task.Delay(options.MaxPollInterval, clock, CancellationToken.None);
            }
        }
    }

    /// <summary>Applies a batch of control messages and deletes the ones that were applied (or can never apply).</summary>
    public async Task ProcessAsync(IReadOnlyList<QueueMessageHandle> messages, CancellationToken cancellationToken)
    {
        var parsed = new List<(QueueMessageHandle Handle, ControlMessage Message)>();
        foreach (var handle in messages)
        {
            try
            {
                parsed.Add((handle, EngineMessages.Deserialize<ControlMessage>(handle.Body)));
            }
            catch (JsonException e)
            {
                LogPoison(_log, control.Name, handle.MessageId, e.Message);
                await control.SendToPoisonAsync(handle.Body, cancellationToken);
                await control.DeleteAsync(handle, cancellationToken);
            }
        }

        var checks = parsed.Where(p => p.Message.Event is Gale.Runs.Events.TriggerCheckDue).ToList();
        if (Triggers is { } triggers)
        {
            await Task.WhenAll(checks.Select(async c =>
            {
                try
                {
                    await triggers.CheckAsync(c.Message.Run, (Gale.Runs.Events.TriggerCheckDue)c.Message.Event, cancellationToken);
                }
                catch (RunNotFoundException)
                {
                    LogUnknownRun(_log, c.Message.Run.ToString());
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Leave the message: it comes back after its lease (a host with the DAG, or storage back).
                    LogCannotApply(_log, c.Message.Run.ToString(), e.Message);
                    return;
                }

                await control.DeleteAsync(c.Handle, cancellationToken);
            }));
        }

        parsed.RemoveAll(checks.Contains);
        await Task.WhenAll(parsed.GroupBy(p => p.Message.Run).Select(async group =>
        {
            try
            {
                await engine.ApplyAsync(group.Key, group.Select(g => g.Message.Event).ToList(), cancellationToken);
            }
            catch (RunNotFoundException)
            {
                LogUnknownRun(_log, group.Key.ToString());
            }
            catch (InvalidOperationException e)
            {
                LogCannotApply(_log, group.Key.ToString(), e.Message);
                return; // Leave the messages for a host that has the DAG.
            }

            foreach (var (handle, _) in group)
            {
                await control.DeleteAsync(handle, cancellationToken);
            }
        }));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling {Queue} failed: {Error}")]
    private static partial void LogPollFailed(ILogger logger, string queue, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Queue {Queue}: message {MessageId} is not a run event and was moved to the poison queue: {Error}")]
    private static partial void LogPoison(ILogger logger, string queue, string messageId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Events for unknown run {Run} were dropped")]
    private static partial void LogUnknownRun(ILogger logger, string run);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Events for run {Run} cannot be applied here: {Error}")]
    private static partial void LogCannotApply(ILogger logger, string run, string error);
}
