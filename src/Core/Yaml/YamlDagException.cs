namespace Gale.Yaml;

/// <summary>A YAML DAG file is invalid. The message names the file, the line and the field.</summary>
public sealed class YamlDagException(string file, int line, string field, string problem)
    : Exception($"{file}:{line}: {field}: {problem}")
{
    /// <summary>The file.</summary>
    public string File { get; } = file;

    /// <summary>The 1-based line.</summary>
    public int Line { get; } = line;

    /// <summary>The field path, e.g. <c>tasks[2].trigger_rule</c>.</summary>
    public string Field { get; } = field;
}
