using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gale.Assets;
using Gale.Host.Api;
using Gale.Host.Cli.Remote;
using Gale.Host.Dags;
using Gale.Storage;
using Gale.Storage.Engine;
using Spectre.Console;

namespace Gale.Host.Cli;

/// <summary>
/// <c>gale assets list|events|emit</c>: the assets DAGs mention, an asset's events, and emitting one by hand. Both
/// paths (storage, <c>--api</c>) produce the API's JSON for each item and one printer prints it.
/// </summary>
internal static class AssetsCommands
{
    public static Command Create() => new("assets", "Work with assets (Airflow's datasets).") { List(), Events(), Emit() };

    private static Command List()
    {
        var dagsFolder = DagDiscovery.FolderOption();
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("list", "List the assets the DAGs mention, with the tasks that produce (outlets) and read (inlets) them (through --api: the API host's DAGs).") { dagsFolder, storage, output };
        command.SetAction((r, ct) => ApiTarget.RunAsync(
            r,
            storage,
            async api => PrintAssets(await api.ListAsync("assets", "assets", ct), r.GetValue(output)!),
            () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
            {
                var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), ct));
                var assets = AssetCatalog.From(bag.Dags).Select(a => JsonFields.Of(new { uri = a.Asset.Uri, name = a.Asset.DisplayName, group = a.Asset.Group, producing_tasks = a.Producers, consuming_tasks = a.Consumers, consuming_dags = a.ScheduledDags, watchers = a.Watchers }));
                return PrintAssets([.. assets], r.GetValue(output)!);
            }),
            dagsFolder));
        return command;
    }

    private static int PrintAssets(List<JsonElement> assets, string output)
    {
        if (output == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(assets, CliOutput.Json));
            return CliOutput.Ok;
        }

        var table = new Table().AddColumns("uri", "name", "group", "produced by", "read by", "schedules", "watchers");
        foreach (var a in assets)
        {
            table.AddRow(Markup.Escape(a.Text("uri")), Markup.Escape(a.Text("name")), Markup.Escape(a.Text("group")), Markup.Escape(a.Joined("producing_tasks")), Markup.Escape(a.Joined("consuming_tasks")), Markup.Escape(a.Joined("consuming_dags")), Markup.Escape(a.Joined("watchers")));
        }

        AnsiConsole.Write(table);
        return CliOutput.Ok;
    }

    private static Command Events()
    {
        var uri = new Argument<string>("asset_uri") { Description = "The asset's URI." };
        var limit = new Option<int>("--limit") { Description = "Most recent events to show.", DefaultValueFactory = _ => 25 };
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("events", "List an asset's events, newest first.") { uri, limit, storage, output };
        command.SetAction((r, ct) =>
        {
            var (u, max) = (r.GetValue(uri)!, Math.Max(1, r.GetValue(limit)));
            return ApiTarget.RunAsync(
                r,
                storage,
                async api => PrintEvents(await api.ListAsync($"assets/events?asset_uri={Uri.EscapeDataString(u)}", "asset_events", ct, max), r.GetValue(output)!),
                () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
                {
                    await GaleStorageLayout.EnsureCreatedAsync(account, ct);
                    var events = (await StorageEngine.AssetEventStore(account).ListAsync(u, DateTimeOffset.MinValue, ct)).Reverse().Take(max);
                    return PrintEvents([.. events.Select(e => JsonFields.Of(AssetEndpoints.EventJson(e)))], r.GetValue(output)!);
                }));
        });
        return command;
    }

    private static int PrintEvents(List<JsonElement> events, string output)
    {
        if (output == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(events, CliOutput.Json));
            return CliOutput.Ok;
        }

        var table = new Table().AddColumns("timestamp", "source", "from", "id", "extra");
        foreach (var e in events)
        {
            var source = e.Text("source");
            var from = source switch
            {
                "task" => $"{e.Text("source_dag_id")}.{e.Text("source_task_id")} ({e.Text("source_run_id")})",
                "watcher" => e.Text("watcher"),
                _ => "api",
            };
            table.AddRow(
                e.GetProperty("timestamp").GetDateTimeOffset().ToString("O", CultureInfo.InvariantCulture),
                Markup.Escape(source),
                Markup.Escape(from),
                Markup.Escape(e.Text("id")),
                Markup.Escape(JsonSerializer.Serialize(e.GetProperty("extra"))));
        }

        AnsiConsole.Write(table);
        return CliOutput.Ok;
    }

    private static Command Emit()
    {
        var uri = new Argument<string>("asset_uri") { Description = "The asset's URI." };
        var extra = new Option<string?>("--extra") { Description = "Extra payload, a JSON object." };
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var dagsFolder = DagDiscovery.FolderOption();
        var command = new Command("emit", "Emit an asset event by hand (as POST /api/v1/assets/events); DAGs scheduled on the asset run. Exit 0: stored, 2: bad URI or extra.") { uri, extra, dagsFolder, storage, output };
        command.SetAction((r, ct) =>
        {
            var (created, problem) = AssetCatalog.ManualEvent(r.GetValue(uri), r.GetValue(extra), DateTimeOffset.UtcNow);
            if (created is null)
            {
                return Task.FromResult(CliOutput.Error(problem!));
            }

            int Print(JsonElement e)
            {
                Console.WriteLine(r.GetValue(output) == "json" ? JsonSerializer.Serialize(e, CliOutput.Json) : $"Asset event {e.Text("id")} emitted for {e.Text("asset_uri")}.");
                return CliOutput.Ok;
            }

            return ApiTarget.RunAsync(
                r,
                storage,
                async api =>
                {
                    // The extra exactly as given (not re-serialized), so the API stores what storage would.
                    var body = $"{{\"asset_uri\":{JsonSerializer.Serialize(created.AssetUri)},\"extra\":{created.Extra}}}";
                    return Print(await api.SendAsync(HttpMethod.Post, "assets/events", body, ct));
                },
                () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
                {
                    await GaleStorageLayout.EnsureCreatedAsync(account, ct);
                    var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), ct));
                    await new AssetEventPublisher(StorageEngine.AssetEventStore(account), StorageEngine.AssetQueue(account), bag).PublishAsync([created], ct);
                    return Print(JsonFields.Of(AssetEndpoints.EventJson(created)));
                }),
                dagsFolder);
        });
        return command;
    }
}
