using System.Globalization;
using Gale.Secrets;
using Microsoft.Extensions.Logging;

namespace Gale.Logs;

/// <summary>
/// The logger a task writes to: each entry becomes a line of the try's log (<c>[time] LEVEL - message</c>), with
/// secrets masked, and is passed on, masked, to the host's logger (the console of <c>gale serve</c> or <c>gale dags test</c>).
/// </summary>
public sealed class TaskLogger(TaskLogWriter writer, SecretMasker masker, ILogger inner, TimeProvider clock) : ILogger
{
    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var message = masker.Redact(formatter(state, exception));
        var time = clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        writer.WriteLine($"[{time}] {Level(logLevel)} - {message}");
        if (exception is not null)
        {
            writer.WriteLine(masker.Redact(exception.ToString()));
        }

        if (inner.IsEnabled(logLevel))
        {
            inner.Log(logLevel, default, message, null, static (m, _) => m); // the task's own event ids mean nothing to the host
        }
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        _ => "CRITICAL",
    };
}
