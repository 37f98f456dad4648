namespace Gale.Execution;

/// <summary>Identifies one XCom: a value pushed by one task instance of one run under a key.</summary>
public sealed record XComKey(string DagId, string RunId, string TaskId, int MapIndex, string Key);

/// <summary>Port: where XCom values (JSON) live. Azure: the <c>xcom</c> table with blob offload; in memory for tests and <c>gale dags test</c>.</summary>
public interface IXComStore
{
    /// <summary>Stores (or replaces) a value.</summary>
    Task SetAsync(XComKey key, string json, CancellationToken cancellationToken = default);

    /// <summary>Reads a value, or null when none was pushed.</summary>
    Task<string?> GetAsync(XComKey key, CancellationToken cancellationToken = default);

    /// <summary>The values every mapped instance (map index ≥ 0) of a task pushed under <paramref name="key"/>, in map-index order.</summary>
    Task<IReadOnlyList<string>> GetMappedAsync(string dagId, string runId, string taskId, string key, CancellationToken cancellationToken = default);

    /// <summary>The keys one task instance pushed, in key order.</summary>
    Task<IReadOnlyList<string>> ListKeysAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default);

    /// <summary>Removes every XCom of one task instance (before a retry or after a clear).</summary>
    Task DeleteTaskInstanceAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default);
}
