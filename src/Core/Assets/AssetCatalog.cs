using System.Text.Json;
using Gale.Dags;

namespace Gale.Assets;

/// <summary>An asset as the loaded DAGs know it: who produces it (outlets) and who reads it (inlets).</summary>
/// <param name="Asset">The asset.</param>
/// <param name="Producers">"dag_id.task_id" of tasks with it as an outlet.</param>
/// <param name="Consumers">"dag_id.task_id" of tasks with it as an inlet.</param>
public sealed record CatalogEntry(Asset Asset, IReadOnlyList<string> Producers, IReadOnlyList<string> Consumers)
{
    /// <summary>DAGs whose asset schedule mentions it (they run when it is updated).</summary>
    public IReadOnlyList<string> ScheduledDags { get; init; } = [];

    /// <summary>Watchers that update it.</summary>
    public IReadOnlyList<string> Watchers { get; init; } = [];
}

/// <summary>The assets the loaded DAGs mention, and the one way an asset event is created by hand (API, CLI).</summary>
public static class AssetCatalog
{
    /// <summary>Largest extra payload of a manual asset event, in UTF-8 bytes.</summary>
    public const int MaxExtraBytes = 64 * 1024;

    /// <summary>Every asset of <paramref name="dags"/>, by URI, ordered by URI.</summary>
    public static IReadOnlyList<CatalogEntry> From(IEnumerable<Dag> dags)
    {
        ArgumentNullException.ThrowIfNull(dags);
        var entries = new SortedDictionary<string, (Asset Asset, List<string> Producers, List<string> Consumers, List<string> Scheduled, List<string> Watchers)>(StringComparer.Ordinal);
        (Asset Asset, List<string> Producers, List<string> Consumers, List<string> Scheduled, List<string> Watchers) Entry(Asset asset)
        {
            if (!entries.TryGetValue(asset.Uri, out var entry))
            {
                entries[asset.Uri] = entry = (asset, [], [], [], []);
            }
            else if (entry.Asset.Name is null && asset.Name is not null)
            {
                entries[asset.Uri] = entry = entry with { Asset = asset }; // the declaration with a name wins
            }

            return entry;
        }

        foreach (var dag in dags)
        {
            foreach (var task in dag.TopologicalOrder)
            {
                foreach (var asset in task.Outlets)
                {
                    Entry(asset).Producers.Add($"{dag.DagId}.{task.TaskId}");
                }

                foreach (var asset in task.Inlets)
                {
                    Entry(asset).Consumers.Add($"{dag.DagId}.{task.TaskId}");
                }
            }

            foreach (var uri in dag.Settings.AssetSchedule?.Uris ?? [])
            {
                Entry(new Asset(uri)).Scheduled.Add(dag.DagId);
            }

            foreach (var watcher in dag.Settings.Watchers)
            {
                foreach (var asset in watcher.Assets)
                {
                    Entry(asset).Watchers.Add(watcher.Name);
                }
            }
        }

        return [.. entries.Values.Select(e => new CatalogEntry(e.Asset, e.Producers, e.Consumers) { ScheduledDags = [.. e.Scheduled.Distinct()], Watchers = [.. e.Watchers.Distinct()] })];
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
