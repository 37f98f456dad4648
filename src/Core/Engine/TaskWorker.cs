using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Engine;

/// <summary>
/// Polls the task queue and runs attempts with bounded concurrency. Also the engine's <see cref="ILocalAttemptSink"/>:
/// a ready downstream attempt starts here at once when a slot is free.
/// </summary>
public sealed partial class TaskWorker : ILocalAttemptSink
{
    private readonly SemaphoreSlim _slots;
    private readonly AttemptRunner _runner;
    private readonly IMessageQueue _tasks;
    private readonly EngineOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly List<Task> _inFlight = [];
    private CancellationToken _stopping;

    /// <summary>Creates a worker; call <see cref="RunAsync"/> to start polling.</summary>
    public TaskWorker(AttemptRunner runner, IMessageQueue tasks, EngineOptions options, TimeProvider clock, ILogger<TaskWorker>? log = null)
    {
        _runner = runner;
        _tasks = tasks;
        _options = options;
        _clock = clock;
        _log = log ?? (ILogger)NullLogger.Instance;
        _slots = new SemaphoreSlim(options.TaskConcurrency, options.TaskConcurrency);
    }

    /// <summary>Free slots right now.</summary>
    public int FreeSlots => _slots.CurrentCount;

    /// <summary>Polls until <paramref name="stopping"/> fires, then waits for (or releases) in-flight attempts.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        _stopping = stopping;
        var idle = _options.MinPollInterval;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _slots.WaitAsync(stopping);
                var free = _slots.CurrentCount + 1;
                var messages = await _tasks.ReceiveAsync(Math.Min(free, 32), _options.Lease, stopping);
                if (messages.Count == 0)
                {
                    _slots.Release();
                    await Task.Delay(idle, _clock, stopping);
                    idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, _options.MaxPollInterval.Ticks));
                    continue;
                }

                idle = _options.MinPollInterval;
                Start(messages[0]);
                foreach (var message in messages.Skip(1))
                {
                    if (_slots.Wait(0))
                    {
                        Start(message);
                    }
                    else
                    {
                        await _tasks.RenewAsync(message, TimeSpan.Zero, CancellationToken.None); // No slot after all: give it back.
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogPollFailed(_log, _tasks.Name, e.Message);
                await Task.Delay(_options.MaxPollInterval, _clock, CancellationToken.None);
            }
        }

        Task[] pending;
        lock (_inFlight)
        {
            pending = [.. _inFlight];
        }

        await Task.WhenAll(pending);
    }

    /// <inheritdoc />
    public bool TryReserveSlot() => !_stopping.IsCancellationRequested && _slots.Wait(0);

    /// <inheritdoc />
    public void ReleaseSlot() => _slots.Release();

    /// <inheritdoc />
    public void StartReserved(QueueMessageHandle message, AttemptMessage attempt) => Start(message);

    private void Start(QueueMessageHandle message)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await _runner.RunAsync(message, _stopping);
            }
            catch (Exception e)
            {
                LogAttemptCrashed(_log, message.MessageId, e.ToString());
            }
            finally
            {
                _slots.Release();
            }
        }, CancellationToken.None);
        lock (_inFlight)
        {
            _inFlight.RemoveAll(t => t.IsCompleted);
            _inFlight.Add(task);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling {Queue} failed: {Error}")]
    private static partial void LogPollFailed(ILogger logger, string queue, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Attempt from message {MessageId} crashed; its message will be redelivered: {Error}")]
    private static partial void LogAttemptCrashed(ILogger logger, string messageId, string error);
}
