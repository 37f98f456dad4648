using System.Collections.Concurrent;
using Gale.Execution;

namespace Gale.InMemory;

/// <summary>XComs in memory.</summary>
public sealed class InMemoryXComStore : IXComStore
{
    private readonly ConcurrentDictionary<XComKey, string> _values = new();

    /// <inheritdoc />
    public Task SetAsync(XComKey key, string json, CancellationToken cancellationToken = default)
    {
        _values[key] = json;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<string?> GetAsync(XComKey key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_values.GetValueOrDefault(key));

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetMappedAsync(string dagId, string runId, string taskId, string key, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>(_values
            .Where(p => p.Key.DagId == dagId && p.Key.RunId == runId && p.Key.TaskId == taskId && p.Key.Key == key && p.Key.MapIndex >= 0)
            .OrderBy(p => p.Key.MapIndex)
            .Select(p => p.Value)
            .ToList());

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> ListKeysAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>([.. _values.Keys
            .Where(k => k.DagId == dagId && k.RunId == runId && k.TaskId == taskId && k.MapIndex == mapIndex)
            .Select(k => k.Key)
            .Order(StringComparer.Ordinal)]);

    /// <inheritdoc />
    public Task DeleteTaskInstanceAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default)
    {
        foreach (var key in _values.Keys.Where(k => k.DagId == dagId && k.RunId == runId && k.TaskId == taskId && k.MapIndex == mapIndex))
        {
            _values.TryRemove(key, out _);
        }

        return Task.CompletedTask;
    }
}
