using System.CommandLine;
using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Host.Dags;
using Gale.Host.Hosting;
using Gale.Runs;
using Gale.Scheduling;
using Gale.Storage;
using Gale.Storage.Engine;
using Gale.Timetables;
using Spectre.Console;

namespace Gale.Host.Cli;

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
        command.SetAction((r, ct) => Remote.ApiTarget.RunAsync(
            r,
            storage,
            api => RunRemoteAsync(api, r.GetValue(dagId)!, r.GetValue(from)!, r.GetValue(to)!, r.GetValue(reprocess)!, r.GetValue(backwards), r.GetValue(dryRun), r.GetValue(maxActive), r.GetValue(output) == "json", ct),
            () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
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
            var store = await CliRuns.OpenAsync(account, bag);
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
                Print(plan.Select(s => Line.Of(new Row(s, s.Run(DateTimeOffset.UtcNow)?.RunId ?? s.Existing?.RunId, null))).ToList(), zone, json, dryRun: true);
                return CliOutput.Ok;
            }

            var limit = r.GetValue(maxActive) is > 0 and var m ? m : dag.Settings.MaxActiveRuns;
            var rows = await RunAsync(account, bag, dag, plan, limit, behavior == ReprocessBehavior.Failed, json, ct);
            return Summarize(rows.Select(Line.Of).ToList(), zone, json);
        }), dagsFolder));
        return command;
    }

    private sealed record Row(BackfillStep Step, string? RunId, DagRunState? State);

    // One planned interval as printed, from a local plan or from the API's backfill.
    private sealed record Line(DateTimeOffset LogicalDate, DateTimeOffset IntervalStart, DateTimeOffset IntervalEnd, string Action, string Reason, string? RunId, DagRunState? State)
    {
        public bool Skipped => Action == "skip";

        public static Line Of(Row row) => new(row.Step.Info.LogicalDate, row.Step.Info.DataInterval.Start, row.Step.Info.DataInterval.End, row.Step.Action.ToString().ToLowerInvariant(), row.Step.Reason, row.RunId, row.State);
    }

    private static int Summarize(List<Line> lines, NodaTime.DateTimeZone zone, bool json)
    {
        Print(lines, zone, json, dryRun: false);
        return lines.All(line => line.Skipped || line.State == DagRunState.Success) ? CliOutput.Ok : CliOutput.Failed;
    }

    // Through the API: POST /backfills queues the runs (the API host's scheduler starts them within max_active_runs);
    // the CLI then follows them to the end with the same progress and summary as a local backfill.
    private static async Task<int> RunRemoteAsync(Remote.GaleApiClient api, string dagId, string from, string to, string reprocess, bool backwards, bool dryRun, int maxActive, bool json, CancellationToken ct)
    {
        var dag = await api.GetAsync(Remote.GaleApiClient.Path("dags", dagId), ct);
        var zone = TimetableParser.Zone(dag.GetProperty("timezone").GetString());
        var body = new Dictionary<string, object?> { ["dag_id"] = dagId, ["from_date"] = from, ["to_date"] = to, ["reprocess_behavior"] = reprocess, ["run_backwards"] = backwards, ["dry_run"] = dryRun };
        if (maxActive > 0)
        {
            body["max_active_runs"] = maxActive;
        }

        var backfill = await api.SendAsync(HttpMethod.Post, "backfills", body, ct);
        DateTimeOffset Date(JsonElement e, string name) => DateTimeOffset.Parse(e.GetProperty(name).GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var lines = backfill.GetProperty("runs").EnumerateArray().Select(e => new Line(Date(e, "logical_date"), Date(e, "data_interval_start"), Date(e, "data_interval_end"), e.GetProperty("action").GetString()!, e.GetProperty("reason").GetString() ?? string.Empty, e.GetProperty("dag_run_id").GetString(), null)).ToList();
        if (dryRun)
        {
            Print(lines, zone, json, dryRun: true);
            return CliOutput.Ok;
        }

        var work = lines.Where(l => !l.Skipped).ToList();
        var finished = 0;
        async Task StepAsync(Action<int> progress)
        {
            for (var i = 0; i < lines.Count; i++)
            {
                if (lines[i].Skipped || lines[i].State is { } s && s.IsFinished())
                {
                    continue;
                }

                var run = Remote.ApiModels.Run(await api.GetAsync(Remote.GaleApiClient.Path("dags", dagId, "dagRuns", lines[i].RunId!), ct));
                lines[i] = lines[i] with { State = run.State };
                if (run.State.IsFinished())
                {
                    progress(++finished);
                }
            }
        }

        await FollowAsync($"Backfilling {dagId} ({work.Count} runs, through {api.BaseUrl})", work.Count, json, () => finished, StepAsync, dagId, ct);
        foreach (var skipped in lines.Where(l => l.Skipped).ToList())
        {
            // As locally: a skipped interval shows the state of the run that already covers it.
            var existing = skipped.RunId is { } id ? await api.FindAsync(Remote.GaleApiClient.Path("dags", dagId, "dagRuns", id), ct) : null;
            lines[lines.IndexOf(skipped)] = skipped with { State = existing is { } e ? Remote.ApiModels.Run(e).State : null };
        }

        return Summarize(lines, zone, json);
    }

    // Shows progress (a bar for people, lines on stderr otherwise) while step advances the runs to their end.
    private static async Task FollowAsync(string title, int total, bool json, Func<int> finished, Func<Action<int>, Task> step, string dagId, CancellationToken ct)
    {
        if (!json && AnsiConsole.Profile.Capabilities.Interactive)
        {
            await AnsiConsole.Progress().AutoClear(false).StartAsync(async context =>
            {
                var bar = context.AddTask(title, maxValue: Math.Max(1, total));
                while (finished() < total)
                {
                    await step(done => bar.Value = done);
                    await Task.Delay(300, ct);
                }

                bar.Value = bar.MaxValue;
            });
            return;
        }

        while (finished() < total)
        {
            await step(done => Console.Error.WriteLine($"backfill {dagId}: {done}/{total} runs finished"));
            await Task.Delay(300, ct);
        }
    }

    private static async Task<List<Row>> RunAsync(StorageAccountClient account, DagBag bag, Dag dag, IReadOnlyList<BackfillStep> plan, int limit, bool onlyFailed, bool json, CancellationToken ct)
    {
        using var loggers = CliOutput.StderrLoggers(b => b.SetMinimumLevel(LogLevel.Warning));
        var services = StorageEngine.Services(account, LocalSettings.Get, LocalSettings.All);
        var (runs, worker) = await CliRuns.StartWorkerAsync(account, bag, services, loggers);
        await using var _ = worker;
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
                var key = (await step.ApplyAsync(runs, dag, start: true, onlyFailed, conf: null, ct))!.Value;
                active[key] = step;
                rows[rows.FindIndex(x => x.Step == step)] = new Row(step, key.RunId, DagRunState.Running);
            }

            foreach (var key in active.Keys.ToList())
            {
                var snapshot = await runs.LoadAsync(key, ct);
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

        await FollowAsync($"Backfilling {dag.DagId} ({work.Count} runs, {limit} at a time)", work.Count, json, () => finished, StepAsync, dag.DagId, ct);
        return rows;
    }

    private static void Print(IReadOnlyList<Line> rows, NodaTime.DateTimeZone zone, bool json, bool dryRun)
    {
        string Iso(DateTimeOffset value) => CliOutput.Iso(value, zone);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(rows.Select(row => new
            {
                logical_date = Iso(row.LogicalDate),
                data_interval_start = Iso(row.IntervalStart),
                data_interval_end = Iso(row.IntervalEnd),
                action = row.Action,
                reason = row.Reason,
                run_id = row.RunId,
                state = dryRun ? null : row.State?.ToAirflowName(),
            }), CliOutput.Json));
            return;
        }

        var table = new Table().AddColumns("logical_date", "data_interval_end", "action", "run_id", dryRun ? "reason" : "state");
        foreach (var row in rows)
        {
            table.AddRow(Iso(row.LogicalDate), Iso(row.IntervalEnd), row.Action, Markup.Escape(row.RunId ?? string.Empty), Markup.Escape(dryRun ? row.Reason : row.State?.ToAirflowName() ?? string.Empty));
        }

        AnsiConsole.Write(table);
        if (!dryRun)
        {
            var counts = rows.Where(x => !x.Skipped).GroupBy(x => x.State?.ToAirflowName() ?? "none").Select(g => $"{g.Count()} {g.Key}");
            AnsiConsole.MarkupLine(Markup.Escape($"Backfill done: {string.Join(", ", counts)}; {rows.Count(x => x.Skipped)} skipped."));
        }
    }
}
