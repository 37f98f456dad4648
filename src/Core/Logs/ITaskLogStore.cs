namespace Gale.Logs;

/// <summary>Port: where task logs live, one log per try. Azure: append blobs in the <c>logs</c> container, readable while they grow.</summary>
public interface ITaskLogStore
{
    /// <summary>Starts the log of one try (replacing a leftover of the same try) and returns a writer that appends to it.</summary>
    Task<TaskLogWriter> OpenAsync(TaskLogKey key, CancellationToken cancellationToken = default);

    /// <summary>The log's text so far, or null when the try has no log.</summary>
    Task<string?> ReadAsync(TaskLogKey key, CancellationToken cancellationToken = default);

    /// <summary>The tries of a task instance that have a log, ascending.</summary>
    Task<IReadOnlyList<int>> ListTriesAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default);
}
