using System.Globalization;
using System.Text.Json;
using Gale.Execution;

namespace Gale.Dags;

/// <summary>A DAG param's JSON type (Airflow's Param <c>type</c>).</summary>
public enum ParamType
{
    /// <summary>Any JSON value.</summary>
    Any,

    /// <summary>A string.</summary>
    String,

    /// <summary>A whole number.</summary>
    Integer,

    /// <summary>Any number.</summary>
    Number,

    /// <summary>true or false.</summary>
    Boolean,

    /// <summary>A JSON array.</summary>
    Array,

    /// <summary>A JSON object.</summary>
    Object,
}

/// <summary>A typed DAG param (Airflow's Param): a default, and the rules a run's conf must follow to override it.</summary>
public sealed record DagParam
{
    /// <summary>The JSON type the value must have.</summary>
    public ParamType Type { get; init; } = ParamType.Any;

    /// <summary>The default; without one the param is required in the conf.</summary>
    public JsonElement? Default { get; init; }

    /// <summary>Shown in the UI's trigger form.</summary>
    public string? Description { get; init; }

    /// <summary>Allowed values, when restricted.</summary>
    public IReadOnlyList<JsonElement>? Enum { get; init; }

    /// <summary>Smallest allowed number.</summary>
    public double? Minimum { get; init; }

    /// <summary>Largest allowed number.</summary>
    public double? Maximum { get; init; }

    /// <summary>A param with a default of any JSON-serialisable value.</summary>
    public static DagParam WithDefault<T>(T value, ParamType type = ParamType.Any) =>
        new() { Type = type, Default = JsonSerializer.SerializeToElement(value, XComJson.Options) };
}

/// <summary>Resolves a run's params: defaults overridden by the conf, every value checked against its param.</summary>
public static class DagParams
{
    /// <summary>
    /// The params a run sees (a JSON object), or every problem found: an unknown type, a missing required param, a
    /// value outside its enum or range. Conf keys that are not params are passed through (Airflow keeps them in conf).
    /// </summary>
    public static (IReadOnlyDictionary<string, JsonElement> Values, IReadOnlyList<string> Errors) Resolve(IReadOnlyDictionary<string, DagParam> parameters, string confJson)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var conf = JsonDocument.Parse(string.IsNullOrWhiteSpace(confJson) ? "{}" : confJson);
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var (name, param) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            JsonElement value;
            if (conf.RootElement.ValueKind == JsonValueKind.Object && conf.RootElement.TryGetProperty(name, out var given))
            {
                value = given.Clone();
            }
            else if (param.Default is { } fallback)
            {
                value = fallback;
            }
            else
            {
                errors.Add($"param '{name}' is required and has no default");
                continue;
            }

            var problem = Check(param, value);
            if (problem is not null)
            {
                errors.Add($"param '{name}': {problem}");
                continue;
            }

            values[name] = value;
        }

        return (values, errors);
    }

    private static string? Check(DagParam param, JsonElement value)
    {
        var typeOk = param.Type switch
        {
            ParamType.Any => true,
            ParamType.String => value.ValueKind == JsonValueKind.String,
            ParamType.Integer => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
            ParamType.Number => value.ValueKind == JsonValueKind.Number,
            ParamType.Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            ParamType.Array => value.ValueKind == JsonValueKind.Array,
            ParamType.Object => value.ValueKind == JsonValueKind.Object,
            _ => false,
        };
        if (!typeOk)
        {
            return $"expected {param.Type.ToString().ToLowerInvariant()}, got {value.ValueKind.ToString().ToLowerInvariant()} {value.GetRawText()}";
        }

        if (param.Enum is { } allowed && !allowed.Any(a => JsonElement.DeepEquals(a, value)))
        {
            return $"{value.GetRawText()} is not one of {string.Join(", ", allowed.Select(a => a.GetRawText()))}";
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            var number = value.GetDouble();
            if (number < param.Minimum)
            {
                return $"{number.ToString(CultureInfo.InvariantCulture)} is below the minimum {param.Minimum.Value.ToString(CultureInfo.InvariantCulture)}";
            }

            if (number > param.Maximum)
            {
                return $"{number.ToString(CultureInfo.InvariantCulture)} is above the maximum {param.Maximum.Value.ToString(CultureInfo.InvariantCulture)}";
            }
        }

        return null;
    }
}
