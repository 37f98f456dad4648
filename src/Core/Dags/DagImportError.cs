namespace Gale.Dags;

/// <summary>A DAG file or type that failed to load, with where and why (Airflow's import errors).</summary>
/// <param name="Source">The file path or type name.</param>
/// <param name="Error">What is wrong, naming the line and field when known.</param>
/// <param name="DagId">The DAG's id when it could be read before the error.</param>
public sealed record DagImportError(string Source, string Error, string? DagId = null);
