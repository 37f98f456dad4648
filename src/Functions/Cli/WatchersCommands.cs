using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gale.Assets.Watchers;
using Gale.Functions.Api;
using Gale.Functions.Dags;
using Gale.Storage;
using Gale.Storage.Engine;
using Spectre.Console;

namespace Gale.Functions.Cli;

/// <summary><c>gale watchers list|show|reset</c>: asset watchers and their watermarks in Table Storage.</summary>
internal static class WatchersCommands
{
    public static Command Create() => new("watchers", "Asset watchers and their watermarks.") { List(), Show(), Reset() };

    private static Command List()
    {
        var dagsFolder = DagDiscovery.FolderOption();
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("list", "List the watchers the DAGs declare, with their watermarks.") { dagsFolder, storage, output };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), ct));
            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            var marks = await StorageEngine.WatermarkStore(account).ListAsync(ct);
            var all = WatcherCatalog.From(bag.Dags).Select(e => (Entry: e, Mark: marks.TryGetValue(e.Watcher.Name, out var m) ? m : new Watermark())).ToList();
            if (r.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(all.Select(w => WatcherJson.Of(w.Entry, w.Mark)), CliOutput.Json));
                return CliOutput.Ok;
            }

            var table = new Table().AddColumns("name", "type", "source", "assets", "dags", "epoch", "events", "updated");
            foreach (var (entry, mark) in all)
            {
                table.AddRow(
                    Markup.Escape(entry.Watcher.Name),
                    Markup.Escape(entry.Watcher.Kind),
                    Markup.Escape(entry.Watcher.Source),
                    Markup.Escape(string.Join(", ", entry.Watcher.Assets.Select(a => a.Uri))),
                    Markup.Escape(string.Join(", ", entry.DagIds)),
                    mark.Epoch.ToString(CultureInfo.InvariantCulture),
                    mark.EventsEmitted.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(CliOutput.Iso(mark.UpdatedAt)));
            }

            AnsiConsole.Write(table);
            return CliOutput.Ok;
        }));
        return command;
    }

    private static Command Show()
    {
        var name = new Argument<string>("name") { Description = "The watcher's name." };
        var dagsFolder = DagDiscovery.FolderOption();
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("show", "Show one watcher and its whole watermark. Exit 2: no such watcher.") { name, dagsFolder, storage, output };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), ct));
            if (WatcherCatalog.Find(bag.Dags, r.GetValue(name)!) is not { } entry)
            {
                return CliOutput.Error($"no watcher is named '{r.GetValue(name)}'; see gale watchers list");
            }

            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            Print(entry, await StorageEngine.WatermarkStore(account).GetAsync(entry.Watcher.Name, ct), r.GetValue(output) == "json");
            return CliOutput.Ok;
        }));
        return command;
    }

    private static Command Reset()
    {
        var name = new Argument<string>("name") { Description = "The watcher's name." };
        var since = new Option<string?>("--since") { Description = "Replay changes from this ISO 8601 date-time (default: from the beginning)." };
        var dagsFolder = DagDiscovery.FolderOption();
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("reset", "Reset a watcher's watermark so it replays changes (as new asset events). Exit 2: no such watcher or a bad --since.") { name, since, dagsFolder, storage, output };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), ct));
            if (WatcherCatalog.Find(bag.Dags, r.GetValue(name)!) is not { } entry)
            {
                return CliOutput.Error($"no watcher is named '{r.GetValue(name)}'; see gale watchers list");
            }

            DateTimeOffset? from = null;
            if (r.GetValue(since) is { } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    return CliOutput.Error($"--since: '{text}' is not an ISO 8601 date-time");
                }

                from = at;
            }

            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            try
            {
                var mark = await WatcherRunner.ResetAsync(StorageEngine.WatermarkStore(account), entry.Watcher, from, DateTimeOffset.UtcNow, "cli", ct);
                Print(entry, mark, r.GetValue(output) == "json");
                return CliOutput.Ok;
            }
            catch (ArgumentException e)
            {
                return CliOutput.Error($"--since: {e.Message}");
            }
        }));
        return command;
    }

    private static void Print(WatcherCatalog.Entry entry, Watermark mark, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(WatcherJson.Of(entry, mark), CliOutput.Json));
            return;
        }

        var table = new Table().AddColumns("field", "value");
        table.AddRow("name", Markup.Escape(entry.Watcher.Name));
        table.AddRow("type", Markup.Escape(entry.Watcher.Kind));
        table.AddRow("source", Markup.Escape(entry.Watcher.Source));
        table.AddRow("assets", Markup.Escape(string.Join(", ", entry.Watcher.Assets.Select(a => a.Uri))));
        table.AddRow("dags", Markup.Escape(string.Join(", ", entry.DagIds)));
        table.AddRow("epoch", mark.Epoch.ToString(CultureInfo.InvariantCulture));
        table.AddRow("events emitted", mark.EventsEmitted.ToString(CultureInfo.InvariantCulture));
        table.AddRow("updated", Markup.Escape($"{CliOutput.Iso(mark.UpdatedAt)} by {mark.UpdatedBy}"));
        foreach (var (key, value) in mark.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            table.AddRow(Markup.Escape($"watermark.{key}"), Markup.Escape(value.Length > 200 ? value[..200] + "…" : value));
        }

        AnsiConsole.Write(table);
    }
}
