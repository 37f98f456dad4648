using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gale.Host.Cli.Remote;
using Gale.Host.Dags;
using Gale.Runs;
using Spectre.Console;

namespace Gale.Host.Cli;

/// <summary><c>gale runs list|show</c> and <c>gale tasks states</c>: runs and their task instances from storage.</summary>
internal static class RunsCommands
{
    public static Command List()
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG." };
        var state = new Option<string?>("--state") { Description = "Only runs in this state (queued, running, success, failed)." };
        var limit = new Option<int>("--limit") { Description = "Most recent runs to show.", DefaultValueFactory = _ => 25 };
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("list", "List a DAG's runs, newest logical date first. Exit 2 on a bad --state.") { dagId, state, limit, storage, output };
        command.SetAction(async (r, ct) =>
        {
            DagRunState? filter = null;
            if (r.GetValue(state) is { } text)
            {
                if (!Enum.GetValues<DagRunState>().Any(s => s.ToAirflowName() == text))
                {
                    return CliOutput.Error($"--state: '{text}' is not one of queued, running, success, failed");
                }

                filter = Enum.GetValues<DagRunState>().First(s => s.ToAirflowName() == text);
            }

            var take = Math.Max(1, r.GetValue(limit));
            return await ApiTarget.RunAsync(
                r,
                storage,
                async api =>
                {
                    var path = GaleApiClient.Path("dags", r.GetValue(dagId)!, "dagRuns") + "?order_by=-logical_date" + (filter is { } f ? "&state=" + f.ToAirflowName() : string.Empty);
                    var page = await api.GetAsync(path + $"&limit={take}", ct);
                    var runs = page.GetProperty("dag_runs").EnumerateArray().Select(ApiModels.Run).ToList();
                    return PrintRuns(runs, page.GetProperty("total_entries").GetInt32(), r.GetValue(output)!);
                },
                () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
                {
                    var runs = new List<DagRun>();
                    var stored = await CliRuns.OpenAsync(account, new Gale.Engine.DagBag([]));
                    await foreach (var run in stored.ListRunsAsync(r.GetValue(dagId), filter, ct))
                    {
                        runs.Add(run);
                    }

                    return PrintRuns(runs.OrderByDescending(x => x.LogicalDate).ThenByDescending(x => x.QueuedAt).Take(take).ToList(), runs.Count, r.GetValue(output)!);
                }));
        });
        return command;
    }

    private static int PrintRuns(List<DagRun> shown, int total, string output)
    {
        if (output == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(shown.Select(Json), CliOutput.Json));
            return CliOutput.Ok;
        }

        var table = new Table().AddColumns("run_id", "run_type", "state", "logical_date", "start_date", "end_date");
        foreach (var run in shown)
        {
            table.AddRow(Markup.Escape(run.RunId), Markup.Escape(TypeName(run.RunType)), run.State.ToAirflowName(), CliOutput.Iso(run.LogicalDate), CliOutput.Iso(run.StartDate), CliOutput.Iso(run.EndDate));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"{shown.Count} of {total} runs."));
        return CliOutput.Ok;
    }

    /// <summary><c>runs show</c> and <c>tasks states</c>: one run with its task instances.</summary>
    public static Command Show(string name, string description)
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG." };
        var runId = new Argument<string>("run_id") { Description = "The run." };
        var dagsFolder = DagDiscovery.FolderOption();
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command(name, description + " Exit 1 when the run does not exist.") { dagId, runId, dagsFolder, storage, output };
        command.SetAction((r, ct) =>
        {
            var key = new RunKey(r.GetValue(dagId)!, r.GetValue(runId)!);
            return ApiTarget.RunAsync(
                r,
                storage,
                async api =>
                {
                    if (await api.FindAsync(GaleApiClient.Path("dags", key.DagId, "dagRuns", key.RunId), ct) is not { } run)
                    {
                        return await NoSuchRunAsync(key);
                    }

                    var instances = await api.ListAsync(GaleApiClient.Path("dags", key.DagId, "dagRuns", key.RunId, "taskInstances"), "task_instances", ct);
                    var order = (await DagView.FetchAsync(api, key.DagId, ct))?.Tasks.Select(t => t.TaskId).ToList();
                    RunPrinter.Print(order, ApiModels.Run(run), instances.Select(ApiModels.TaskInstance), r.GetValue(output)!);
                    return CliOutput.Ok;
                },
                () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
                {
                    var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!);
                    if (await (await CliRuns.OpenAsync(account, bag)).LoadAsync(key, ct) is not { } snapshot)
                    {
                        return await NoSuchRunAsync(key);
                    }

                    RunPrinter.Print(bag.Find(key.DagId), snapshot, r.GetValue(output)!);
                    return CliOutput.Ok;
                }), dagsFolder);
        });
        return command;
    }

    /// <summary>Says a run does not exist (exit 1).</summary>
    public static async Task<int> NoSuchRunAsync(RunKey key)
    {
        await Console.Error.WriteLineAsync($"gale: run '{key.RunId}' of DAG '{key.DagId}' does not exist.");
        return CliOutput.Failed;
    }

    private static object Json(DagRun run) => new
    {
        dag_id = run.DagId,
        run_id = run.RunId,
        run_type = TypeName(run.RunType),
        state = run.State.ToAirflowName(),
        logical_date = CliOutput.Iso(run.LogicalDate),
        data_interval_start = CliOutput.Iso(run.DataIntervalStart),
        data_interval_end = CliOutput.Iso(run.DataIntervalEnd),
        start_date = run.StartDate is null ? null : CliOutput.Iso(run.StartDate),
        end_date = run.EndDate is null ? null : CliOutput.Iso(run.EndDate),
        conf = JsonDocument.Parse(run.Conf).RootElement.Clone(),
    };

    private static string TypeName(DagRunType type) => type switch
    {
        DagRunType.AssetTriggered => "asset_triggered",
        _ => type.ToString().ToLower(CultureInfo.InvariantCulture),
    };
}
