using System.Text.Json;
using Gale.Dags;

namespace Gale.Assets;

/// <summary>An asset as the loaded DAGs know it: who produces it (outlets) and who reads it (inlets).</summary>
/// <param name="Asset">The asset.</param>
/// <param name="Producers">"dag_id.task_id" of tasks with it as an outlet.</param>
/// <param name="Consumers">"dag_id.task_id" of tasks with it as an inlet.</param>
public sealed record CatalogEntry(Asset Asset, IReadOnlyList<string> Producers, IReadOnlyList<string> Consumers);

/// <summary>The assets the loaded DAGs mention, and the one way an asset event is created by hand (API, CLI).</summary>
public static class AssetCatalog
{
    /// <summary>Largest extra payload of a manual asset event, in UTF-8 bytes.</summary>
    public const int MaxExtraBytes = 64 * 1024;

    /// <summary>Every asset of <paramref name="dags"/>, by URI, ordered by URI.</summary>
    public static IReadOnlyList<CatalogEntry> From(IEnumerable<Dag> dags)
    {
        ArgumentNullException.ThrowIfNull(dags);
        var entries = new SortedDictionary<string, (Asset Asset, List<string> Producers, List<string> Consumers)>(StringComparer.Ordinal);
        foreach (var dag in dags)
        {
            foreach (var task in dag.TopologicalOrder)
            {
                foreach (var (assets, producing) in new[] { (task.Outlets, true), (task.Inlets, false) })
                {
                    foreach (var asset in assets)
                    {
                        if (!entries.TryGetValue(asset.Uri, out var entry))
                        {
                            entry = (asset, [], []);
                            entries[asset.Uri] = entry;
                        }

                        (producing ? entry.Producers : entry.Consumers).Add($"{dag.DagId}.{task.TaskId}");
                    }
                }
            }
        }

        return [.. entries.Values.Select(e => new CatalogEntry(e.Asset, e.Producers, e.Consumers))];
    }

    /// <summary>A manual asset event (source <see cref="AssetEventSource.Api"/>), or the problem naming the field.</summary>
    public static (AssetEvent? Event, string? Problem) ManualEvent(string? uri, string? extraJson, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(uri) || uri.Any(char.IsWhiteSpace) || uri.IndexOfAny(['(', ')', '&', '|']) >= 0)
        {
            return (null, $"asset_uri: '{uri}' is not an asset URI (no spaces, parentheses, '&' or '|')");
        }

        var extra = string.IsNullOrWhiteSpace(extraJson) ? "{}" : extraJson.Trim();
        try
        {
            using var doc = JsonDocument.Parse(extra);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, "extra: must be a JSON object");
            }
        }
        catch (JsonException e)
        {
            return (null, $"extra: not valid JSON ({e.Message})");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(extra) > MaxExtraBytes)
        {
            return (null, $"extra: more than {MaxExtraBytes} bytes");
        }

        return (new AssetEvent($"api:{Guid.NewGuid():N}", uri, AssetEventSource.Api, now) { Extra = extra }, null);
    }
}
