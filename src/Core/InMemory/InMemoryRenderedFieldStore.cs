using System.Collections.Concurrent;
using Gale.Templates;

namespace Gale.InMemory;

/// <summary>Rendered fields in memory, for tests and <c>gale dags test</c>.</summary>
public sealed class InMemoryRenderedFieldStore : IRenderedFieldStore
{
    private readonly ConcurrentDictionary<(string, string, string, int), RenderedFields> _fields = new();

    /// <inheritdoc />
    public Task SetAsync(string dagId, string runId, string taskId, int mapIndex, RenderedFields fields, CancellationToken cancellationToken = default)
    {
        _fields[(dagId, runId, taskId, mapIndex)] = fields;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<RenderedFields?> GetAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default) =>
        Task.FromResult(_fields.TryGetValue((dagId, runId, taskId, mapIndex), out var f) ? f : null);
}
