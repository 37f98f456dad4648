using Gale.Assets;
using Gale.Assets.Watchers;
using YamlDotNet.RepresentationModel;

namespace Gale.Yaml;

/// <summary>
/// Reads a DAG file's asset schedule (<c>schedule: {assets, timetable, max_events_per_run}</c>) and its
/// <c>watchers</c> (blob, queue and eventhub watchers bound to assets).
/// </summary>
internal static class YamlWatchers
{
    private static readonly HashSet<string> ScheduleFields = ["assets", "timetable", "max_events_per_run"];
    private static readonly HashSet<string> CommonFields = ["name", "type", "assets", "poll_interval"];

    private static readonly Dictionary<string, HashSet<string>> TypeFields = new(StringComparer.Ordinal)
    {
        ["blob"] = ["container", "prefix", "settle"],
        ["queue"] = ["queue"],
        ["eventhub"] = ["event_hub"],
    };

    /// <summary>The asset-schedule part of a mapping <c>schedule</c> (null when <c>schedule</c> is not a mapping).</summary>
    public static (AssetExpression? Assets, string? Timetable, int? MaxEventsPerRun) ReadSchedule(YamlNodeReader dag, IReadOnlyList<Asset> known)
    {
        if (dag.Raw("schedule") is not YamlMappingNode)
        {
            return (null, null, null);
        }

        var schedule = dag.Mapping("schedule")!;
        schedule.RejectUnknown(ScheduleFields);
        var names = known.Where(a => a.Name is not null).GroupBy(a => a.Name!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Uri, StringComparer.Ordinal);
        // A token with a scheme is a URI; anything else must name an asset declared in this file.
        string? Resolve(string token) => names.TryGetValue(token, out var uri) ? uri : token.Contains("://", StringComparison.Ordinal) ? token : null;
        AssetExpression? expression = null;
        switch (schedule.Raw("assets"))
        {
            case null:
                break;
            case YamlScalarNode { Value: { } text }:
                try
                {
                    expression = AssetExpression.Parse(text, Resolve);
                }
                catch (FormatException e)
                {
                    throw schedule.Error(schedule.Raw("assets")!, "assets", e.Message);
                }

                break;
            case YamlSequenceNode list when list.Children.Count > 0:
                // A list means all of them (Airflow's schedule=[a, b]).
                var parts = YamlAssets.Read(schedule, "assets")
                    .Select((a, i) => (AssetExpression)new AssetExpression.Ref(Resolve(a.Uri) ?? throw schedule.Error(list.Children[i], $"assets[{i}]", $"'{a.Uri}' is neither an asset URI (scheme://…) nor the name of an asset declared in this file")))
                    .ToList();
                expression = parts.Count == 1 ? parts[0] : new AssetExpression.All(parts);
                break;
            case var other:
                throw schedule.Error(other, "assets", "must be an asset expression such as 'a & (b | c)' or a list of assets (all of them)");
        }

        var timetable = schedule.String("timetable");
        if (expression is null && timetable is null)
        {
            throw schedule.Error(schedule.Node, "assets", "a schedule mapping needs assets (and optionally a timetable)");
        }

        var cap = schedule.Int("max_events_per_run");
        if (cap is < 1 or > AssetTriggerPlanner.MaxEventsPerRunLimit)
        {
            throw schedule.Error(schedule.Raw("max_events_per_run")!, "max_events_per_run", $"must be between 1 and {AssetTriggerPlanner.MaxEventsPerRunLimit}, not {cap}");
        }

        return (expression, timetable, cap);
    }

    /// <summary>The watchers listed under <c>watchers</c>.</summary>
    public static IReadOnlyList<AssetWatcher> Read(YamlNodeReader dag)
    {
        switch (dag.Raw("watchers"))
        {
            case null:
                return [];
            case YamlSequenceNode list:
                return [.. list.Children.Select((item, i) => One(dag, item, i))];
            case var other:
                throw dag.Error(other, "watchers", "must be a list of watchers ({name, type, assets, ...})");
        }
    }

    private static TimeSpan Settle(YamlNodeReader w)
    {
        var settle = w.Duration("settle") ?? TimeSpan.FromSeconds(2);
        return settle >= TimeSpan.FromSeconds(1) ? settle : throw w.Error(w.Raw("settle")!, "settle", "must be at least 1s (it must cover the clock skew to the storage service)");
    }

    private static AssetWatcher One(YamlNodeReader dag, YamlNode item, int index)
    {
        if (item is not YamlMappingNode map)
        {
            throw dag.Error(item, $"watchers[{index}]", "must be a mapping with name, type and assets");
        }

        var w = new YamlNodeReader(dag.File, map, $"watchers[{index}]");
        var type = w.RequiredString("type");
        if (!TypeFields.TryGetValue(type, out var own))
        {
            throw w.Error(w.Raw("type")!, "type", $"'{type}' is not a watcher type; expected one of {string.Join(", ", TypeFields.Keys)} (custom watchers are C# classes)");
        }

        w.RejectUnknown(new HashSet<string>([.. CommonFields, .. own], StringComparer.Ordinal));
        var name = w.RequiredString("name");
        var assets = YamlAssets.Read(w, "assets");
        if (assets.Count == 0)
        {
            throw w.Error(map, "assets", "is required: the assets this watcher updates");
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            throw w.Error(map, "name", "is required");
        }

        var interval = w.Duration("poll_interval") ?? TimeSpan.FromSeconds(5);
        if (interval <= TimeSpan.Zero)
        {
            throw w.Error(w.Raw("poll_interval")!, "poll_interval", "must be positive");
        }

        return type switch
        {
            "blob" => new BlobWatcher(name, assets, w.RequiredString("container"), w.String("prefix") ?? string.Empty) { PollInterval = interval, Settle = Settle(w) },
            "queue" => new StorageQueueWatcher(name, assets, w.RequiredString("queue")) { PollInterval = interval },
            _ => new EventHubWatcher(name, assets, w.RequiredString("event_hub")) { PollInterval = interval },
        };
    }
}
