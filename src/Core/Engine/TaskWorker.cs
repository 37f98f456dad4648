using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Engine;

/// <summary>
/// Polls the task queue and runs attempts with bounded concurrency. Also the engine's <see cref="ILocalAttemptSink"/>:
/// a ready downstream attempt starts here at once when a slot is free.
/// </summary>
public sealed partial class TaskWorker : ILocalAttemptSink, IDisposable
{
    // Owned here (not taken from RunAsync) so that attempts started locally before polling begins are still
    // cancelled and released on shutdown; RunAsync's token is linked to it.
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots;
    private readonly AttemptRunner _runner;
    private readonly IMessageQueue _tasks;
    private readonly EngineOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly List<Task> _inFlight = [];
    private int _bufferedCount;

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

    /// <summary>
    /// Polls until <paramref name="stopping"/> fires, then waits for (or releases) in-flight attempts. Received
    /// messages are prefetched into a buffer as large as the worker, so a slot that frees up starts its next attempt
    /// without waiting for a queue round trip.
    /// </summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var link = stopping.Register(_stop.Cancel);
        stopping = _stop.Token;
        // Unbounded so a poller never blocks on a full buffer at shutdown; the pollers keep it near TaskConcurrency.
        var buffer = System.Threading.Channels.Channel.CreateUnbounded<(QueueMessageHandle Message, long ReceivedAt)>();
        var pollers = Enumerable.Range(0, Math.Clamp(_options.TaskConcurrency / 8, 1, 4)).Select(_ => PollAsync(buffer.Writer, stopping)).ToList();
        var dispatcher = DispatchAsync(buffer.Reader, stopping);
        await Task.WhenAll(pollers);
        buffer.Writer.TryComplete();
        await dispatcher;

        // Prefetched attempts that never started go straight back to the queue.
        while (buffer.Reader.TryRead(out var unstarted))
        {
            await _tasks.RenewAsync(unstarted.Message, TimeSpan.Zero, CancellationToken.None);
        }

        Task[] pending;
        lock (_inFlight)
        {
            pending = [.. _inFlight];
        }

        await Task.WhenAll(pending);
    }

    private async Task PollAsync(System.Threading.Channels.ChannelWriter<(QueueMessageHandle, long)> buffer, CancellationToken stopping)
    {
        var idle = _options.MinPollInterval;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var room = _options.TaskConcurrency - _bufferedCount;
                if (room <= 0)
                {
                    await Task.Delay(_options.MinPollInterval, _clock, stopping);
                    continue;
                }

                var messages = await _tasks.ReceiveAsync(Math.Min(room, 32), _options.Lease, stopping);
                if (messages.Count == 0)
                {
                    await Task.Delay(idle, _clock, stopping);
                    idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, _options.MaxPollInterval.Ticks));
                    continue;
                }

                idle = _options.MinPollInterval;
                foreach (var message in messages)
                {
                    Interlocked.Increment(ref _bufferedCount);
                    buffer.TryWrite((message, _clock.GetTimestamp()));
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
    }

    private async Task DispatchAsync(System.Threading.Channels.ChannelReader<(QueueMessageHandle Message, long ReceivedAt)> buffer, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                await _slots.WaitAsync(stopping);
                if (!buffer.TryRead(out var item))
                {
                    if (!await buffer.WaitToReadAsync(stopping) || !buffer.TryRead(out item))
                    {
                        _slots.Release();
                        return;
                    }
                }

                Interlocked.Decrement(ref _bufferedCount);
                var message = item.Message;
                if (_clock.GetElapsedTime(item.ReceivedAt) > _options.Lease / 2)
                {
                    // It waited in the buffer for a while: make sure this worker still holds it.
                    var renewed = await _tasks.RenewAsync(message, _options.Lease, CancellationToken.None);
                    if (renewed is null)
                    {
                        _slots.Release();
                        continue;
                    }

                    message = renewed;
                }

                Start(message);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <inheritdoc />
    public bool TryReserveSlot() => !_stop.IsCancellationRequested && _slots.Wait(0);

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
                await _runner.RunAsync(message, _stop.Token);
            }
            catch (Exception e)
            {
                LogAttemptCrashed(_log, message.MessageId, _runner.Services.Masker.Redact(e.ToString()));
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

    /// <summary>Stops this worker's attempts (also done by cancelling <see cref="RunAsync"/>'s token).</summary>
    public void Stop() => _stop.Cancel();

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Dispose();
        _slots.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling {Queue} failed: {Error}")]
    private static partial void LogPollFailed(ILogger logger, string queue, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Attempt from message {MessageId} crashed; its message will be redelivered: {Error}")]
    private static partial void LogAttemptCrashed(ILogger logger, string messageId, string error);
}
