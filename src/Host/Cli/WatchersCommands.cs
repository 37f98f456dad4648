using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gale.Assets.Watchers;
using Gale.Host.Api;
using Gale.Host.Cli.Remote;
using Gale.Host.Dags;
using Gale.Storage;
using Gale.Storage.Engine;
using Spectre.Console;

namespace Gale.Host.Cli;

/// <summary>
/// <c>gale watchers list|show|reset</c>: asset watchers and their watermarks in Table Storage. Both paths (storage,
/// <c>--api</c>) produce <see cref="WatcherJson.Of"/> for each watcher and one printer prints it.
/// </summary>
internal static class WatchersCommands
{
    public static Command Create() => new("watchers", "Asset watchers and their watermarks.") { List(), Show(), Reset() };

    private static Command List()
    {
        var dagsFolder = DagDiscovery.FolderOption();
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("list", "List the watchers the DAGs declare, with their watermarks (through --api: the API host's DAGs).") { dagsFolder, storage, output };
        command.SetAction((r, ct) => ApiTarget.RunAsync(
            r,
            storage,
            async api => PrintList(await api.ListAsync("watchers", "watchers", ct), r.GetValue(output)!),
            () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
            {
                var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), ct));
                await GaleStorageLayout.EnsureCreatedAsync(account, ct);
                var marks = await StorageEngine.WatermarkStore(account).ListAsync(ct);
                var all = WatcherCatalog.From(bag.Dags).Select(e => JsonFields.Of(WatcherJson.Of(e, marks.TryGetValue(e.Watcher.Name, out var m) ? m : new Watermark())));
                return PrintList([.. all], r.GetValue(output)!);
            }),
            dagsFolder));
        return command;
    }

    private static int PrintList(List<JsonElement> watchers, string output)
    {
        if (output == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(watchers, CliOutput.Json));
            return CliOutput.Ok;
        }

        var table = new Table().AddColumns("name", "type", "source", "assets", "dags", "epoch", "events", "updated");
        foreach (var w in watchers)
        {
            var mark = w.GetProperty("watermark");
            table.AddRow(
                Markup.Escape(w.Text("name")),
                Markup.Escape(w.Text("type")),
                Markup.Escape(w.Text("source")),
                Markup.Escape(w.Joined("assets")),
                Markup.Escape(w.Joined("dag_ids")),
                mark.GetProperty("epoch").GetRawText(),
                mark.GetProperty("events_emitted").GetRawText(),
                Markup.Escape(CliOutput.Iso(mark.Instant("updated_at"))));
        }

        AnsiConsole.Write(table);
        return CliOutput.Ok;
    }

    private static Command Show()
    {
        var name = new Argument<string>("name") { Description = "The watcher's name." };
        var dagsFolder = DagDiscovery.FolderOption();
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("show", "Show one watcher and its whole watermark. Exit 2: no such watcher.") { name, dagsFolder, storage, output };
        command.SetAction((r, ct) =>
        {
            var n = r.GetValue(name)!;
            return ApiTarget.RunAsync(
                r,
                storage,
                async api => await api.FindAsync(GaleApiClient.Path("watchers", n), ct) is { } found ? Print(found, r.GetValue(output) == "json") : NoSuchWatcher(n),
                () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
                {
                    var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), ct));
                    if (WatcherCatalog.Find(bag.Dags, n) is not { } entry)
                    {
                        return NoSuchWatcher(n);
                    }

                    await GaleStorageLayout.EnsureCreatedAsync(account, ct);
                    return Print(JsonFields.Of(WatcherJson.Of(entry, await StorageEngine.WatermarkStore(account).GetAsync(entry.Watcher.Name, ct))), r.GetValue(output) == "json");
                }),
                dagsFolder);
        });
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
        command.SetAction((r, ct) =>
        {
            var n = r.GetValue(name)!;
            DateTimeOffset? from = null;
            if (r.GetValue(since) is { } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    return Task.FromResult(CliOutput.Error($"--since: '{text}' is not an ISO 8601 date-time"));
                }

                from = at;
            }

            return ApiTarget.RunAsync(
                r,
                storage,
                async api =>
                {
                    try
                    {
                        var body = from is { } at ? new { since = at.ToString("O", CultureInfo.InvariantCulture) } : null;
                        return Print(await api.SendAsync(HttpMethod.Post, GaleApiClient.Path("watchers", n, "reset"), body, ct), r.GetValue(output) == "json");
                    }
                    catch (ApiProblemException e) when (e.Status == 404)
                    {
                        return NoSuchWatcher(n);
                    }
                },
                () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
                {
                    var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), ct));
                    if (WatcherCatalog.Find(bag.Dags, n) is not { } entry)
                    {
                        return NoSuchWatcher(n);
                    }

                    await GaleStorageLayout.EnsureCreatedAsync(account, ct);
                    try
                    {
                        var mark = await WatcherRunner.ResetAsync(StorageEngine.WatermarkStore(account), entry.Watcher, from, DateTimeOffset.UtcNow, "cli", ct);
                        return Print(JsonFields.Of(WatcherJson.Of(entry, mark)), r.GetValue(output) == "json");
                    }
                    catch (ArgumentException e)
                    {
                        return CliOutput.Error($"--since: {e.Message}");
                    }
                }),
                dagsFolder);
        });
        return command;
    }

    private static int NoSuchWatcher(string name) => CliOutput.Error($"no watcher is named '{name}'; see gale watchers list");

    private static int Print(JsonElement watcher, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(watcher, CliOutput.Json));
            return CliOutput.Ok;
        }

        var mark = watcher.GetProperty("watermark");
        var table = new Table().AddColumns("field", "value");
        table.AddRow("name", Markup.Escape(watcher.Text("name")));
        table.AddRow("type", Markup.Escape(watcher.Text("type")));
        table.AddRow("source", Markup.Escape(watcher.Text("source")));
        table.AddRow("assets", Markup.Escape(watcher.Joined("assets")));
        table.AddRow("dags", Markup.Escape(watcher.Joined("dag_ids")));
        table.AddRow("epoch", mark.GetProperty("epoch").GetRawText());
        table.AddRow("events emitted", mark.GetProperty("events_emitted").GetRawText());
        table.AddRow("updated", Markup.Escape($"{CliOutput.Iso(mark.Instant("updated_at"))} by {mark.Text("updated_by")}"));
        if (mark.TryGetProperty("values", out var values) && values.ValueKind == JsonValueKind.Object)
        {
            foreach (var value in values.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                var text = value.Value.GetString() ?? string.Empty;
                table.AddRow(Markup.Escape($"watermark.{value.Name}"), Markup.Escape(text.Length > 200 ? text[..200] + "…" : text));
            }
        }

        AnsiConsole.Write(table);
        return CliOutput.Ok;
    }
}
