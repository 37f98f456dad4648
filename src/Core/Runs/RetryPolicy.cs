using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gale.Dags;

namespace Gale.Runs;

/// <summary>When a failed attempt may be retried (Airflow's <c>next_retry_datetime</c>).</summary>
public static class RetryPolicy
{
    /// <summary>The longest retry delay, whatever the settings (Airflow's max_task_retry_delay: 24 h).</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(1);

    /// <summary>True when a failed attempt <paramref name="tryNumber"/> may be retried.</summary>
    public static bool CanRetry(int tryNumber, int maxTries) => maxTries > 0 && tryNumber <= maxTries;

    /// <summary>
    /// The delay after attempt <paramref name="tryNumber"/> failed. Without exponential backoff it is exactly
    /// retry_delay; with it, retry_delay × 2^(try−1) plus a deterministic jitter below that, capped at 24 h and max_retry_delay.
    /// </summary>
    public static TimeSpan Delay(DagTask task, string dagId, DateTimeOffset logicalDate, int tryNumber)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!task.RetryExponentialBackoff)
        {
            return task.RetryDelay;
        }

        var exponent = Math.Min(Math.Max(tryNumber - 1, 0), 40);
        var minBackoff = Math.Max(1.0, Math.Ceiling(task.RetryDelay.TotalSeconds * Math.Pow(2, exponent)));
        if (minBackoff >= MaxDelay.TotalSeconds)
        {
            return Cap(MaxDelay, task.MaxRetryDelay);
        }

        var backoff = (long)minBackoff;
        var seed = $"{dagId}#{task.TaskId}#{logicalDate.ToString("O", CultureInfo.InvariantCulture)}#{tryNumber}";
        var hash = BitConverter.ToUInt64(SHA1.HashData(Encoding.UTF8.GetBytes(seed)), 0);
        var seconds = Math.Min(backoff + (long)(hash % (ulong)backoff), (long)MaxDelay.TotalSeconds);
        return Cap(TimeSpan.FromSeconds(seconds), task.MaxRetryDelay);
    }

    private static TimeSpan Cap(TimeSpan delay, TimeSpan? max) => max is { } m && m > TimeSpan.Zero && m < delay ? m : delay;
}
