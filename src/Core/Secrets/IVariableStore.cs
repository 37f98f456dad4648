namespace Gale.Secrets;

/// <summary>A variable as stored: its key, value (text, often JSON) and description.</summary>
/// <param name="Key">The key.</param>
/// <param name="Value">The value.</param>
/// <param name="Description">What it is for (optional).</param>
public sealed record Variable(string Key, string Value, string? Description = null);

/// <summary>Port: where variables live. Azure: the <c>variables</c> table; in memory for tests and <c>gale dags test</c>.</summary>
public interface IVariableStore
{
    /// <summary>The variable, or null.</summary>
    Task<Variable?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces a variable.</summary>
    Task SetAsync(Variable variable, CancellationToken cancellationToken = default);

    /// <summary>Deletes a variable; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Every stored variable, by key.</summary>
    Task<IReadOnlyList<Variable>> ListAsync(CancellationToken cancellationToken = default);
}
