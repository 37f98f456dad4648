using DurableTask.Core;

namespace Gale.Orchestration.AzureStorage;

/// <summary>Registers a task with DurableTask.Core under a name (and the empty version); a fresh instance per work item.</summary>
/// <typeparam name="T">A <see cref="TaskOrchestration"/> or <see cref="TaskActivity"/> (usually a shim).</typeparam>
public sealed class NamedTaskCreator<T> : ObjectCreator<T>
{
    private readonly Func<T> _create;

    /// <summary>Creates the registration.</summary>
    public NamedTaskCreator(string name, Func<T> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        Name = name;
        Version = string.Empty;
        _create = create;
    }

    /// <inheritdoc />
    public override T Create() => _create();
}
