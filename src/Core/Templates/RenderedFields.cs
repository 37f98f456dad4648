namespace Gale.Templates;

/// <summary>The template fields of one task instance as its latest try rendered them (secrets masked).</summary>
/// <param name="TryNumber">The try that rendered them.</param>
/// <param name="Fields">Field name to rendered text.</param>
public sealed record RenderedFields(int TryNumber, IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>Longest value kept per field (Airflow's <c>max_templated_field_length</c>).</summary>
    public const int MaxFieldLength = 4096;

    /// <summary>A copy with values longer than <see cref="MaxFieldLength"/> cut, saying so.</summary>
    public RenderedFields Truncated() => this with
    {
        Fields = Fields.ToDictionary(
            f => f.Key,
            f => f.Value.Length <= MaxFieldLength ? f.Value : f.Value[..MaxFieldLength] + $"… (truncated: {f.Value.Length} characters)",
            StringComparer.Ordinal),
    };
}

/// <summary>Port: the rendered template fields of task instances. Azure: the <c>rendered</c> table.</summary>
public interface IRenderedFieldStore
{
    /// <summary>Stores (replacing) the fields of a task instance.</summary>
    Task SetAsync(string dagId, string runId, string taskId, int mapIndex, RenderedFields fields, CancellationToken cancellationToken = default);

    /// <summary>The fields of a task instance, or null when it has not rendered any.</summary>
    Task<RenderedFields?> GetAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default);
}
