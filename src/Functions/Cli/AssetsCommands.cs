using System.CommandLine;
using System.Text.Json;
using Gale.Assets;
using Gale.Functions.Dags;
using Gale.Storage;
using Gale.Storage.Engine;
using Spectre.Console;

namespace Gale.Functions.Cli;

/// <summary><c>gale assets list|events|emit</c>: the assets DAGs mention, an asset's events, and emitting one by hand.</summary>
internal static class AssetsCommands
{
    public static Command Create() => new("assets", "Work with assets (Airflow's datasets).") { List(), Events(), Emit() };

    private static Command List()
    {
        var dagsFolder = DagDiscovery.FolderOption();
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("list", "List the assets the DAGs mention, with the tasks that produce (outlets) and read (inlets) them.") { dagsFolder, storage, output };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), ct));
            var assets = AssetCatalog.From(bag.Dags);
            if (r.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(assets.Select(a => new { uri = a.Asset.Uri, name = a.Asset.DisplayName, group = a.Asset.Group, producing_tasks = a.Producers, consuming_tasks = a.Consumers, consuming_dags = a.ScheduledDags, watchers = a.Watchers }), CliOutput.Json));
                return CliOutput.Ok;
            }

            var table = new Table().AddColumns("uri", "name", "group", "produced by", "read by", "schedules", "watchers");
            foreach (var a in assets)
            {
                table.AddRow(Markup.Escape(a.Asset.Uri), Markup.Escape(a.Asset.DisplayName), Markup.Escape(a.Asset.Group), Markup.Escape(string.Join(", ", a.Producers)), Markup.Escape(string.Join(", ", a.Consumers)), Markup.Escape(string.Join(", ", a.ScheduledDags)), Markup.Escape(string.Join(", ", a.Watchers)));
            }

            AnsiConsole.Write(table);
            return CliOutput.Ok;
        }));
        return command;
    }

    private static Command Events()
    {
        var uri = new Argument<string>("asset_uri") { Description = "The asset's URI." };
        var limit = new Option<int>("--limit") { Description = "Most recent events to show.", DefaultValueFactory = _ => 25 };
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("events", "List an asset's events, newest first.") { uri, limit, storage, output };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            var events = (await StorageEngine.AssetEventStore(account).ListAsync(r.GetValue(uri)!, DateTimeOffset.MinValue, ct)).Reverse().Take(Math.Max(1, r.GetValue(limit))).ToList();
            if (r.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(events.Select(Json), CliOutput.Json));
                return CliOutput.Ok;
            }

            var table = new Table().AddColumns("timestamp", "source", "from", "id", "extra");
            foreach (var e in events)
            {
                var from = e.Source switch { AssetEventSource.Task => $"{e.SourceDagId}.{e.SourceTaskId} ({e.SourceRunId})", AssetEventSource.Watcher => e.Watcher ?? string.Empty, _ => "api" };
                table.AddRow(e.Timestamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture), e.Source.ToString().ToLowerInvariant(), Markup.Escape(from), Markup.Escape(e.Id), Markup.Escape(e.Extra));
            }

            AnsiConsole.Write(table);
            return CliOutput.Ok;
        }));
        return command;
    }

    private static Command Emit()
    {
        var uri = new Argument<string>("asset_uri") { Description = "The asset's URI." };
        var extra = new Option<string?>("--extra") { Description = "Extra payload, a JSON object." };
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var dagsFolder = DagDiscovery.FolderOption();
        var command = new Command("emit", "Emit an asset event by hand (as POST /api/v1/assets/events); DAGs scheduled on the asset run. Exit 0: stored, 2: bad URI or extra.") { uri, extra, dagsFolder, storage, output };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            var (created, problem) = AssetCatalog.ManualEvent(r.GetValue(uri), r.GetValue(extra), DateTimeOffset.UtcNow);
            if (created is null)
            {
                return CliOutput.Error(problem!);
            }

            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), ct));
            await new AssetEventPublisher(StorageEngine.AssetEventStore(account), StorageEngine.AssetQueue(account), bag).PublishAsync([created], ct);
            Console.WriteLine(r.GetValue(output) == "json" ? JsonSerializer.Serialize(Json(created), CliOutput.Json) : $"Asset event {created.Id} emitted for {created.AssetUri}.");
            return CliOutput.Ok;
        }));
        return command;
    }

    private static object Json(AssetEvent e) => new
    {
        id = e.Id,
        asset_uri = e.AssetUri,
        source = e.Source.ToString().ToLowerInvariant(),
        timestamp = e.Timestamp,
        extra = JsonDocument.Parse(e.Extra).RootElement.Clone(),
        source_dag_id = e.SourceDagId,
        source_run_id = e.SourceRunId,
        source_task_id = e.SourceTaskId,
        watcher = e.Watcher,
    };
}
