using Gale.Dags;

namespace Gale.Assets.Watchers;

/// <summary>The watchers the loaded DAGs declare, for the CLI and the API.</summary>
public static class WatcherCatalog
{
    /// <summary>A watcher and the DAGs that declare it.</summary>
    /// <param name="Watcher">The watcher (the first declaration when several DAGs declare one name).</param>
    /// <param name="DagIds">The declaring DAGs.</param>
    public sealed record Entry(AssetWatcher Watcher, IReadOnlyList<string> DagIds);

    /// <summary>Every watcher by name, ordered by name.</summary>
    public static IReadOnlyList<Entry> From(IEnumerable<Dag> dags)
    {
        ArgumentNullException.ThrowIfNull(dags);
        return [.. dags.SelectMany(d => d.Settings.Watchers.Select(w => (Dag: d.DagId, Watcher: w)))
            .GroupBy(p => p.Watcher.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Entry(g.First().Watcher, [.. g.Select(p => p.Dag).Distinct(StringComparer.Ordinal)]))];
    }

    /// <summary>The watcher named <paramref name="name"/>, or null.</summary>
    public static Entry? Find(IEnumerable<Dag> dags, string name) => From(dags).FirstOrDefault(e => e.Watcher.Name == name);
}
