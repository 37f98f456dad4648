using System.Text.Json;

namespace Gale.Execution;

/// <summary>A task's view of its run's XComs (Airflow's <c>ti.xcom_push</c>/<c>ti.xcom_pull</c>).</summary>
public sealed class XComAccessor(IXComStore store, string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken)
{
    /// <summary>The key a task's return value is stored under.</summary>
    public const string ReturnValueKey = "return_value";

    /// <summary>Pushes a value (serialised as JSON) under <paramref name="key"/>.</summary>
    public Task PushAsync<T>(string key, T value) =>
        store.SetAsync(new XComKey(dagId, runId, taskId, mapIndex, key), JsonSerializer.Serialize(value, XComJson.Options), cancellationToken);

    /// <summary>Pulls a value another task (of this run, unmapped) pushed, or default when there is none.</summary>
    public async Task<T?> PullAsync<T>(string fromTaskId, string key = ReturnValueKey, int fromMapIndex = -1)
    {
        var json = await store.GetAsync(new XComKey(dagId, runId, fromTaskId, fromMapIndex, key), cancellationToken);
        return json is null ? default : JsonSerializer.Deserialize<T>(json, XComJson.Options);
    }

    /// <summary>Pulls the values of every mapped instance of <paramref name="fromTaskId"/>, in map-index order.</summary>
    public async Task<IReadOnlyList<T?>> PullMappedAsync<T>(string fromTaskId, string key = ReturnValueKey)
    {
        var values = await store.GetMappedAsync(dagId, runId, fromTaskId, key, cancellationToken);
        return values.Select(v => JsonSerializer.Deserialize<T>(v, XComJson.Options)).ToList();
    }

    /// <summary>Synchronous <see cref="PullMappedAsync{T}"/>.</summary>
    public IReadOnlyList<T?> PullMapped<T>(string fromTaskId, string key = ReturnValueKey) =>
        PullMappedAsync<T>(fromTaskId, key).GetAwaiter().GetResult();

    /// <summary>Synchronous <see cref="PullAsync{T}"/>, for short delegate tasks.</summary>
    public T? Pull<T>(string fromTaskId, string key = ReturnValueKey, int fromMapIndex = -1) =>
        PullAsync<T>(fromTaskId, key, fromMapIndex).GetAwaiter().GetResult();
}

/// <summary>The JSON options XComs are written and read with.</summary>
public static class XComJson
{
    /// <summary>Web defaults (camelCase, case-insensitive reads).</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
