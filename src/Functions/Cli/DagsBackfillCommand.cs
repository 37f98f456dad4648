using System.CommandLine;
using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Functions.Dags;
using Gale.Functions.Hosting;
using Gale.Runs;
using Gale.Scheduling;
using Gale.Storage;
using Gale.Storage.Engine;
using Gale.Timetables;
using Spectre.Console;

namespace Gale.Functions.Cli;

/// <summary>
/// <c>gale dags backfill</c>: runs a DAG for every interval between two dates (Airflow's backfill), running the tasks
/// in this process (and on any <c>gale serve</c> that shares the storage), with at most N runs active at once.
/// </summary>
internal static class DagsBackfillCommand
{
    public static Command Create()
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG." };
        var from = new Option<string>("--from", "-s") { Description = "First logical date (ISO 8601; without an offset, in the DAG's time zone).", Required = true };
        var to = new Option<string>("--to", "-e") { Description = "Last logical date (inclusive).", Required = true };
        var maxActive = new Option<int>("--max-active-runs") { Description = "Backfill runs active at once (default: the DAG's max_active_runs).", DefaultValueFactory = _ => 0 };
        var reprocess = new Option<string>("--reprocess") { Description = "Existing runs to run again: none (default), failed or completed.", DefaultValueFactory = _ => "none" };
        reprocess.AcceptOnlyFromAmong("none", "failed", "completed");
        var backwards = new Option<bool>("--run-backwards") { Description = "Newest interval first." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would run, change nothing." };
        var dagsFolder = DagDiscovery.FolderOption();
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("backfill", "Run a DAG for every interval whose logical date is between --from and --to, showing progress, then a summary. Exit 0: every run succeeded (or dry run), 1: some failed, 2: bad input.")
        {
            dagId, from, to, maxActive, reprocess, backwards, dryRun, dagsFolder, storage, output,
        };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            var (bag, errors) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), ct));
            var dag = ManualRunRequest.FindDag(bag, errors, r.GetValue(dagId)!, out var dagError);
            if (dag is null)
            {
                return CliOutput.Error(dagError!);
            }

            var zone = TimetableParser.Zone(dag.Settings.Timezone);
            DateTimeOffset start, end;
            try
            {
                start = TimetableParser.ParseDate(r.GetValue(from)!, zone);
                end = TimetableParser.ParseDate(r.GetValue(to)!, zone);
            }
            catch (FormatException e)
            {
                return CliOutput.Error($"--from/--to: {e.Message}.");
            }

            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            var store = StorageEngine.RunStore(account);
            var existing = new List<DagRun>();
            await foreach (var run in store.ListRunsAsync(dag.DagId, cancellationToken: ct))
            {
                existing.Add(run);
            }

            IReadOnlyList<BackfillStep> plan;
            var behavior = Enum.Parse<ReprocessBehavior>(r.GetValue(reprocess)!, ignoreCase: true);
            try
            {
                plan = BackfillPlanner.Plan(dag, start, end, existing, behavior, r.GetValue(backwards));
            }
            catch (ArgumentException e)
            {
                return CliOutput.Error(e.Message);
            }

            var json = r.GetValue(output) == "json";
            if (r.GetValue(dryRun))
            {
                Print(plan.Select(s => new Row(s, s.Run(DateTimeOffset.UtcNow)?.RunId ?? s.Existing?.RunId, null)).ToList(), zone, json, dryRun: true);
                return CliOutput.Ok;
            }

            var limit = r.GetValue(maxActive) is > 0 and var m ? m : dag.Settings.MaxActiveRuns;
            var rows = await RunAsync(account, bag, dag, plan, limit, behavior == ReprocessBehavior.Failed, json, ct);
            Print(rows, zone, json, dryRun: false);
            return rows.All(row => row.Step.Action == BackfillAction.Skip || row.State == DagRunState.Success) ? CliOutput.Ok : CliOutput.Failed;
        }));
        return command;
    }

    private sealed record Row(BackfillStep Step, string? RunId, DagRunState? State);

    private static async Task<List<Row>> RunAsync(StorageAccountClient account, DagBag bag, Dag dag, IReadOnlyList<BackfillStep> plan, int limit, bool onlyFailed, bool json, CancellationToken ct)
    {
        using var loggers = CliOutput.StderrLoggers(b => b.SetMinimumLevel(LogLevel.Warning));
        var services = StorageEngine.Services(account, LocalSettings.Get, LocalSettings.All);
        await using var host = StorageEngine.CreateHost(account, bag, new EngineOptions(), TimeProvider.System, loggers, services, withScheduler: false);
        host.Start();
        var store = StorageEngine.RunStore(account);
        var work = plan.Where(s => s.Action != BackfillAction.Skip).ToList();
        var rows = plan.Select(s => new Row(s, s.Existing?.RunId, s.Existing?.State)).ToList();
        var pending = new Queue<BackfillStep>(work);
        var active = new Dictionary<RunKey, BackfillStep>();
        var finished = 0;

        async Task StepAsync(Action<int> progress)
        {
            while (pending.Count > 0 && active.Count < limit)
            {
                var step = pending.Dequeue();
                var key = (await step.ApplyAsync(host.Engine, dag, start: true, onlyFailed, conf: null, ct))!.Value;
                active[key] = step;
                rows[rows.FindIndex(x => x.Step == step)] = new Row(step, key.RunId, DagRunState.Running);
            }

            foreach (var key in active.Keys.ToList())
            {
                var snapshot = await store.LoadAsync(key, ct);
                if (snapshot is not null && snapshot.Run.State.IsFinished())
                {
                    var step = active[key];
                    active.Remove(key);
                    rows[rows.FindIndex(x => x.Step == step)] = new Row(step, key.RunId, snapshot.Run.State);
                    finished++;
                    progress(finished);
                }
            }
        }

        if (!json && AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Progress().AutoClear(false).StartAsync(async context =>
            {
                var bar = context.AddTask($"Backfilling {dag.DagId} ({work.Count} runs, {limit} at a time)", maxValue: Math.Max(1, work.Count));
                while (finished < work.Count)
                {
                    await StepAsync(done => bar.Value = done);
                    await Task.Delay(300, ct);
                }

                bar.Value = bar.MaxValue;
            });
        }
        else
        {
            while (finished < work.Count)
            {
                await StepAsync(done => Console.Error.WriteLine($"backfill {dag.DagId}: {done}/{work.Count} runs finished"));
                await Task.Delay(300, ct);
            }
        }

        await host.StopAsync();
        return rows;
    }

    private static void Print(IReadOnlyList<Row> rows, NodaTime.DateTimeZone zone, bool json, bool dryRun)
    {
        string Iso(DateTimeOffset value) => CliOutput.Iso(value, zone);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(rows.Select(row => new
            {
                logical_date = Iso(row.Step.Info.LogicalDate),
                data_interval_start = Iso(row.Step.Info.DataInterval.Start),
                data_interval_end = Iso(row.Step.Info.DataInterval.End),
                action = row.Step.Action.ToString().ToLowerInvariant(),
                reason = row.Step.Reason,
                run_id = row.RunId,
                state = dryRun ? null : row.State?.ToAirflowName(),
            }), CliOutput.Json));
            return;
        }

        var table = new Table().AddColumns("logical_date", "data_interval_end", "action", "run_id", dryRun ? "reason" : "state");
        foreach (var row in rows)
        {
            table.AddRow(Iso(row.Step.Info.LogicalDate), Iso(row.Step.Info.DataInterval.End), row.Step.Action.ToString().ToLowerInvariant(), Markup.Escape(row.RunId ?? string.Empty), Markup.Escape(dryRun ? row.Step.Reason : row.State?.ToAirflowName() ?? string.Empty));
        }

        AnsiConsole.Write(table);
        if (!dryRun)
        {
            var counts = rows.Where(x => x.Step.Action != BackfillAction.Skip).GroupBy(x => x.State?.ToAirflowName() ?? "none").Select(g => $"{g.Count()} {g.Key}");
            AnsiConsole.MarkupLine(Markup.Escape($"Backfill done: {string.Join(", ", counts)}; {rows.Count(x => x.Step.Action == BackfillAction.Skip)} skipped."));
        }
    }
}
