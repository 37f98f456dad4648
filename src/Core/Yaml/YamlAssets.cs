using Gale.Assets;
using YamlDotNet.RepresentationModel;

namespace Gale.Yaml;

/// <summary>Reads a task's <c>outlets</c> and <c>inlets</c>: each a URI, or <c>{uri, name, group}</c>.</summary>
internal static class YamlAssets
{
    private static readonly HashSet<string> Fields = ["uri", "name", "group"];

    /// <summary>The assets listed in <paramref name="field"/> (none when absent).</summary>
    public static IReadOnlyList<Asset> Read(YamlNodeReader task, string field)
    {
        switch (task.Raw(field))
        {
            case null:
                return [];
            case YamlSequenceNode list:
                return [.. list.Children.Select((item, i) => One(task, field, i, item))];
            case var other:
                throw task.Error(other, field, "must be a list of asset URIs or {uri, name, group} mappings");
        }
    }

    private static Asset One(YamlNodeReader task, string field, int index, YamlNode item)
    {
        if (item is YamlScalarNode { Value: { Length: > 0 } uri })
        {
            return Valid(task, item, $"{field}[{index}]", new Asset(uri));
        }

        if (item is YamlMappingNode map)
        {
            var reader = new YamlNodeReader(task.File, map, task.Field($"{field}[{index}]"));
            reader.RejectUnknown(Fields);
            return Valid(task, item, $"{field}[{index}]", new Asset(reader.RequiredString("uri"), reader.String("name"), reader.String("group") ?? "asset"));
        }

        throw task.Error(item, $"{field}[{index}]", "must be an asset URI or a {uri, name, group} mapping");
    }

    private static Asset Valid(YamlNodeReader task, YamlNode at, string field, Asset asset) =>
        asset.Uri.Any(char.IsWhiteSpace) || asset.Uri.IndexOfAny(['(', ')', '&', '|']) >= 0
            ? throw task.Error(at, field, $"'{asset.Uri}' is not an asset URI (no spaces, parentheses, '&' or '|')")
            : asset;
}
