using System.Globalization;
using Gale.Dags;
using YamlDotNet.RepresentationModel;

namespace Gale.Yaml;

/// <summary>Typed reads from a YAML mapping that report the file, line and field of anything wrong.</summary>
internal sealed class YamlNodeReader(string file, YamlMappingNode node, string path)
{
    public YamlMappingNode Node => node;

    public string File => file;

    public YamlDagException Error(YamlNode at, string field, string problem) =>
        new(file, (int)at.Start.Line, Field(field), problem);

    public string Field(string field) => path.Length == 0 ? field : $"{path}.{field}";

    public void RejectUnknown(IReadOnlySet<string> allowed)
    {
        foreach (var key in node.Children.Keys.OfType<YamlScalarNode>())
        {
            if (!allowed.Contains(key.Value!))
            {
                throw Error(key, key.Value!, $"unknown field; expected one of {string.Join(", ", allowed.Order(StringComparer.Ordinal))}");
            }
        }
    }

    public YamlNode? Raw(string field) =>
        node.Children.TryGetValue(new YamlScalarNode(field), out var value) && !IsNull(value) ? value : null;

    public string? String(string field)
    {
        var value = Raw(field);
        return value switch
        {
            null => null,
            YamlScalarNode s => s.Value,
            _ => throw Error(value, field, "must be a text value"),
        };
    }

    public string RequiredString(string field) =>
        String(field) is { Length: > 0 } s ? s : throw Error(node, field, "is required");

    public int? Int(string field)
    {
        var text = String(field);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error(Raw(field)!, field, $"'{text}' is not a whole number");
    }

    public bool? Bool(string field)
    {
        var text = String(field);
        return text switch
        {
            null => null,
            "true" or "True" or "yes" => true,
            "false" or "False" or "no" => false,
            _ => throw Error(Raw(field)!, field, $"'{text}' is not true or false"),
        };
    }

    public TimeSpan? Duration(string field)
    {
        var text = String(field);
        if (text is null)
        {
            return null;
        }

        return Durations.TryParse(text, out var value)
            ? value
            : throw Error(Raw(field)!, field, $"'{text}' is not a duration (use seconds, 30s, 5m, 1h, 1d or ISO 8601 like PT5M)");
    }

    public DateTimeOffset? Date(string field)
    {
        var text = String(field);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw Error(Raw(field)!, field, $"'{text}' is not a date (use ISO 8601, e.g. 2024-01-01 or 2024-01-01T06:00:00+01:00)");
    }

    public IReadOnlyList<string> StringList(string field)
    {
        var value = Raw(field);
        return value switch
        {
            null => [],
            YamlScalarNode s => [s.Value!],
            YamlSequenceNode seq => seq.Children.Select((c, i) => c is YamlScalarNode s ? s.Value! : throw Error(c, $"{field}[{i}]", "must be a text value")).ToList(),
            _ => throw Error(value, field, "must be a text value or a list"),
        };
    }

    public IReadOnlyDictionary<string, string> StringMap(string field)
    {
        var value = Raw(field);
        return value switch
        {
            null => new Dictionary<string, string>(),
            YamlMappingNode map => map.Children.ToDictionary(
                p => ((YamlScalarNode)p.Key).Value!,
                p => p.Value is YamlScalarNode s ? s.Value ?? string.Empty : throw Error(p.Value, $"{field}.{p.Key}", "must be a text value"),
                StringComparer.Ordinal),
            _ => throw Error(value, field, "must be a mapping of names to values"),
        };
    }

    public YamlNodeReader? Mapping(string field)
    {
        var value = Raw(field);
        return value switch
        {
            null => null,
            YamlMappingNode map => new YamlNodeReader(file, map, Field(field)),
            _ => throw Error(value, field, "must be a mapping"),
        };
    }

    /// <summary>A YAML value as JSON (scalars are strings).</summary>
    public static System.Text.Json.JsonElement ToJson(YamlNode node) => node switch
    {
        YamlScalarNode s => System.Text.Json.JsonSerializer.SerializeToElement(s.Value),
        YamlMappingNode m => System.Text.Json.JsonSerializer.SerializeToElement(m.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ToJson(p.Value))),
        YamlSequenceNode q => System.Text.Json.JsonSerializer.SerializeToElement(q.Children.Select(ToJson).ToList()),
        _ => default,
    };

    private static bool IsNull(YamlNode value) =>
        value is YamlScalarNode { Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted) } s && s.Value is "null" or "~" or "" or null;
}
