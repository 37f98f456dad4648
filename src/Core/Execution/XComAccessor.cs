using System.Text.Json;

namespace Gale.Execution;

/// <summary>A task's view of its run's XComs (Airflow's <c>ti.xcom_push</c>/<c>ti.xcom_pull</c>).</summary>
public sealed class XComAccessor(IXComStore store, string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken)
{
    /// <summary>The key a task's return value is stored under.</summary>
    public const string ReturnValueKey = "return_value";

    /// <summary>Largest value, in UTF-8 bytes, <see cref="PushAsync{T}"/> accepts.</summary>
    public long MaxBytes { get; init; } = long.MaxValue;

    /// <summary>Pushes a value (serialised as JSON) under <paramref name="key"/>.</summary>
    /// <exception cref="XComTooLargeException">The value is larger than <see cref="MaxBytes"/>; nothing is stored.</exception>
    public Task PushAsync<T>(string key, T value)
    {
        var json = JsonSerializer.Serialize(value, XComJson.Options);
        var bytes = System.Text.Encoding.UTF8.GetByteCount(json);
        if (bytes > MaxBytes)
        {
            throw new XComTooLargeException($"XCom '{key}' of task '{taskId}' is {Size(bytes)}, above the maximum of {Size(MaxBytes)} (setting GALE_XCOM_MAX_BYTES); store large data in blob storage and push its path instead.");
        }

        return store.SetAsync(new XComKey(dagId, runId, taskId, mapIndex, key), json, cancellationToken);
    }

    private static string Size(long bytes) => bytes >= 1024 * 1024
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MiB ({bytes} bytes)")
        : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{bytes} bytes");

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

/// <summary>A pushed XCom value is larger than the configured maximum.</summary>
public sealed class XComTooLargeException(string message) : Exception(message);
