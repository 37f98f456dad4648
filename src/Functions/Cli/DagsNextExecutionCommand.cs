using System.CommandLine;
using System.Text.Json;
using Gale.Dags;
using Gale.Functions.Dags;
using Gale.Timetables;
using Spectre.Console;

namespace Gale.Functions.Cli;

/// <summary><c>gale dags next-execution</c>: the next runs the scheduler would create after an instant.</summary>
internal static class DagsNextExecutionCommand
{
    public static Command Create()
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG." };
        var dagsFolder = DagDiscovery.FolderOption();
        var count = new Option<int>("--num-executions", "-n") { Description = "How many runs to show (default 1).", DefaultValueFactory = _ => 1 };
        var after = new Option<string?>("--after") { Description = "ISO 8601 instant to look after (default: now); without an offset it is read in the DAG's time zone." };
        var output = CliOutput.OutputOption();
        var command = new Command("next-execution", "Print the next runs the scheduler would create after an instant: logical date, data interval and when each may start (ISO 8601 in the DAG's time zone). Exit 0: printed, 2: bad input.")
        {
            dagId, dagsFolder, count, after, output,
        };
        command.SetAction(r =>
        {
            var (bag, errors) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!);
            var dag = ManualRunRequest.FindDag(bag, errors, r.GetValue(dagId)!, out var dagError);
            if (dag is null)
            {
                return CliOutput.Error(dagError!);
            }

            var n = r.GetValue(count);
            if (n < 1)
            {
                return CliOutput.Error("--num-executions: must be at least 1.");
            }

            var zone = TimetableParser.Zone(dag.Settings.Timezone);
            DateTimeOffset from;
            try
            {
                from = r.GetValue(after) is { } text ? TimetableParser.ParseDate(text, zone) : DateTimeOffset.UtcNow;
            }
            catch (FormatException e)
            {
                return CliOutput.Error($"--after: {e.Message}.");
            }

            var runs = NextRuns(dag, from, n);
            if (r.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(runs.Select(i => new
                {
                    logical_date = CliOutput.Iso(i.LogicalDate, zone),
                    data_interval_start = CliOutput.Iso(i.DataInterval.Start, zone),
                    data_interval_end = CliOutput.Iso(i.DataInterval.End, zone),
                    run_after = CliOutput.Iso(i.RunAfter, zone),
                }), CliOutput.Json));
                return CliOutput.Ok;
            }

            if (runs.Count == 0)
            {
                Console.WriteLine(dag.Timetable.CanBeScheduled
                    ? $"DAG '{dag.DagId}' has no runs after {CliOutput.Iso(from, zone)} (its end_date or schedule ends earlier)."
                    : $"DAG '{dag.DagId}' has no schedule ({dag.Timetable.Summary}): it runs only when triggered.");
                return CliOutput.Ok;
            }

            var table = new Table().AddColumns("logical_date", "data_interval_start", "data_interval_end", "run_after");
            foreach (var i in runs)
            {
                table.AddRow(CliOutput.Iso(i.LogicalDate, zone), CliOutput.Iso(i.DataInterval.Start, zone), CliOutput.Iso(i.DataInterval.End, zone), CliOutput.Iso(i.RunAfter, zone));
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine(Markup.Escape($"Schedule {dag.Timetable.Summary} in {zone.Id}; catchup {(dag.Settings.Catchup ? "on" : "off")}."));
            return CliOutput.Ok;
        });
        return command;
    }

    /// <summary>The next <paramref name="count"/> runs whose run_after is later than <paramref name="after"/>.</summary>
    public static IReadOnlyList<DagRunInfo> NextRuns(Dag dag, DateTimeOffset after, int count)
    {
        // Without catchup the proposal at `after` is the latest complete interval; step from there to later ones.
        var restriction = dag.TimeRestriction with { Catchup = false };
        var runs = new List<DagRunInfo>();
        var info = dag.Timetable.NextDagRunInfo(null, restriction, after);
        for (var guard = 0; info is not null && runs.Count < count && guard < 100_000; guard++)
        {
            if (info.RunAfter > after)
            {
                runs.Add(info);
            }

            info = dag.Timetable.NextDagRunInfo(info.DataInterval, restriction with { Catchup = true }, after);
        }

        return runs;
    }
}
