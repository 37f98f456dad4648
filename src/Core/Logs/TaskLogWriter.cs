using System.Text;

namespace Gale.Logs;

/// <summary>
/// Buffers a try's log lines and appends them to the store every <c>flushInterval</c> (and when disposed), so a
/// log can be read while its task runs without a storage write per line. A failed append keeps the lines for the
/// next flush; the task never fails because its log could not be written.
/// </summary>
public sealed class TaskLogWriter : IAsyncDisposable
{
    /// <summary>Lines beyond this many buffered characters are dropped (storage unreachable for a long time).</summary>
    public const int MaxBufferedChars = 8 * 1024 * 1024;

    private readonly Func<string, CancellationToken, Task> _append;
    private readonly StringBuilder _buffer = new();
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly Task _loop;
    private readonly Func<string, CancellationToken, Task>? _writeWhole;
    private int _dropped;
    private bool _appended;
    private bool _final;

    /// <summary>Creates a writer that appends through <paramref name="append"/>.</summary>
    /// <param name="key">The log.</param>
    /// <param name="append">Appends text to the log.</param>
    /// <param name="flushInterval">How often buffered lines are appended.</param>
    /// <param name="clock">The clock of the flush timer.</param>
    /// <param name="writeWhole">
    /// For a try that ends before its first flush: writes the whole log in one go (one storage request instead of
    /// creating and appending); null: always append.
    /// </param>
    public TaskLogWriter(TaskLogKey key, Func<string, CancellationToken, Task> append, TimeSpan flushInterval, TimeProvider? clock = null, Func<string, CancellationToken, Task>? writeWhole = null)
    {
        _writeWhole = writeWhole;
        Key = key ?? throw new ArgumentNullException(nameof(key));
        _append = append ?? throw new ArgumentNullException(nameof(append));
        _loop = FlushLoopAsync(flushInterval, clock ?? TimeProvider.System);
    }

    /// <summary>The log this writer appends to.</summary>
    public TaskLogKey Key { get; }

    /// <summary>The last append error, if the most recent flush failed.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Adds one line (a newline is appended).</summary>
    public void WriteLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        lock (_lock)
        {
            if (_buffer.Length + line.Length > MaxBufferedChars)
            {
                _dropped++;
                return;
            }

            _buffer.Append(line).Append('\n');
        }
    }

    /// <summary>Longest one append may take before its lines go back to the buffer.</summary>
    public static readonly TimeSpan AppendTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Appends what is buffered now; on any failure the lines stay buffered for the next flush. Never throws.</summary>
    public async Task FlushAsync()
    {
        await _flushing.WaitAsync();
        try
        {
            string text;
            lock (_lock)
            {
                if (_dropped > 0)
                {
                    _buffer.Append($"[gale] {_dropped} log lines were dropped: the log store was unreachable\n");
                    _dropped = 0;
                }

                text = _buffer.ToString();
                _buffer.Clear();
            }

            if (text.Length == 0)
            {
                return;
            }

            try
            {
                // Not the writer's stop token: stopping must not abandon lines half-way through an append.
                using var timeout = new CancellationTokenSource(AppendTimeout);
                if (_final && !_appended && _writeWhole is not null)
                {
                    await _writeWhole(text, timeout.Token);
                }
                else
                {
                    await _append(text, timeout.Token);
                }

                _appended = true;
                LastError = null;
            }
            catch (Exception e)
            {
                LastError = e;
                lock (_lock)
                {
                    _buffer.Insert(0, text); // keep order; the next flush tries again
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task FlushLoopAsync(TimeSpan interval, TimeProvider clock)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, clock, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await FlushAsync();
        }
    }

    /// <summary>Stops the timer and appends whatever is left (one last try; never throws).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _final = true;
        await FlushAsync();
        _stop.Dispose();
        _flushing.Dispose();
    }
}
