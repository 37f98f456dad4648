namespace Gale.Execution;

/// <summary>
/// An operator with template fields (Airflow's <c>template_fields</c>): before each try the engine renders them,
/// stores the rendered values (masked) on the task instance, and runs the copy this returns.
/// </summary>
public interface ITemplatedOperator : ITaskOperator
{
    /// <summary>Field name to its template, e.g. <c>command</c>, <c>env.NAME</c>, <c>url</c>, <c>headers.NAME</c>.</summary>
    IReadOnlyDictionary<string, string> TemplateFields { get; }

    /// <summary>A copy of this operator with the rendered values (same keys as <see cref="TemplateFields"/>).</summary>
    ITaskOperator WithRenderedFields(IReadOnlyDictionary<string, string> rendered);
}
