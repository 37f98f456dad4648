using System.Collections.Concurrent;
using System.Text;
using Gale.Logs;

namespace Gale.InMemory;

/// <summary>Task logs in memory, for tests and <c>gale dags test</c>.</summary>
public sealed class InMemoryTaskLogStore : ITaskLogStore
{
    private readonly ConcurrentDictionary<TaskLogKey, StringBuilder> _logs = new();

    /// <inheritdoc />
    public Task<TaskLogWriter> OpenAsync(TaskLogKey key, CancellationToken cancellationToken = default)
    {
        var log = new StringBuilder();
        _logs[key] = log;
        return Task.FromResult(new TaskLogWriter(key, (text, _) =>
        {
            lock (log)
            {
                log.Append(text);
            }

            return Task.CompletedTask;
        }, TimeSpan.FromMilliseconds(200)));
    }

    /// <inheritdoc />
    public Task<string?> ReadAsync(TaskLogKey key, CancellationToken cancellationToken = default)
    {
        if (!_logs.TryGetValue(key, out var log))
        {
            return Task.FromResult<string?>(null);
        }

        lock (log)
        {
            return Task.FromResult<string?>(log.ToString());
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<int>> ListTriesAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<int>>([.. _logs.Keys.Where(k => k.DagId == dagId && k.RunId == runId && k.TaskId == taskId && k.MapIndex == mapIndex).Select(k => k.TryNumber).Order()]);
}
