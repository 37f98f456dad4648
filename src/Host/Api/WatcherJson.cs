using Gale.Assets.Watchers;

namespace Gale.Host.Api;

/// <summary>A watcher and its watermark as the API and <c>gale watchers --output json</c> show them.</summary>
internal static class WatcherJson
{
    public static Dictionary<string, object?> Of(WatcherCatalog.Entry entry, Watermark mark) => new()
    {
        ["name"] = entry.Watcher.Name,
        ["type"] = entry.Watcher.Kind,
        ["source"] = entry.Watcher.Source,
        ["assets"] = entry.Watcher.Assets.Select(a => a.Uri).ToList(),
        ["dag_ids"] = entry.DagIds,
        ["poll_interval"] = entry.Watcher.PollInterval == Timeout.InfiniteTimeSpan ? null : entry.Watcher.PollInterval.TotalSeconds,
        ["watermark"] = new Dictionary<string, object?>
        {
            ["values"] = mark.Values,
            ["epoch"] = mark.Epoch,
            ["events_emitted"] = mark.EventsEmitted,
            ["updated_at"] = mark.UpdatedAt,
            ["updated_by"] = mark.UpdatedBy,
        },
    };
}
