using System.Collections.Concurrent;
using Gale.Secrets;

namespace Gale.InMemory;

/// <summary>Variables in a dictionary, for tests and <c>gale dags test</c>.</summary>
public sealed class InMemoryVariableStore : IVariableStore
{
    private readonly ConcurrentDictionary<string, Variable> _variables = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<Variable?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_variables.TryGetValue(key, out var v) ? v : null);

    /// <inheritdoc />
    public Task SetAsync(Variable variable, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(variable);
        _variables[variable.Key] = variable;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_variables.TryRemove(key, out _));

    /// <inheritdoc />
    public Task<IReadOnlyList<Variable>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Variable>>([.. _variables.Values.OrderBy(v => v.Key, StringComparer.Ordinal)]);
}
