using System.CommandLine;
using System.Text.Json;
using Gale.Host.Dags;
using Gale.Timetables;
using Spectre.Console;

namespace Gale.Host.Cli;

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
        command.SetAction((r, ct) =>
        {
            var n = r.GetValue(count);
            if (n < 1)
            {
                return Task.FromResult(CliOutput.Error("--num-executions: must be at least 1."));
            }

            return Remote.ApiTarget.RunAsync(
                r,
                null,
                async api =>
                {
                    var query = $"?num_executions={n}" + (r.GetValue(after) is { } a ? "&after=" + Uri.EscapeDataString(a) : string.Empty);
                    var next = await api.GetAsync(Remote.GaleApiClient.Path("dags", r.GetValue(dagId)!, "nextExecutions") + query, ct);
                    DateTimeOffset Date(JsonElement e, string name) => DateTimeOffset.Parse(e.GetProperty(name).GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                    var runs = next.GetProperty("next_executions").EnumerateArray()
                        .Select(e => new DagRunInfo(new DataInterval(Date(e, "data_interval_start"), Date(e, "data_interval_end")), Date(e, "run_after")))
                        .ToList();
                    var schedule = new Schedule(next.GetProperty("dag_id").GetString()!, TimetableParser.Zone(next.GetProperty("timezone").GetString()), next.GetProperty("timetable_summary").GetString()!, next.GetProperty("can_be_scheduled").GetBoolean(), next.GetProperty("catchup").GetBoolean());
                    return Print(schedule, Date(next, "after"), runs, r.GetValue(output)!);
                },
                () =>
                {
                    var (bag, errors) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!);
                    var dag = ManualRunRequest.FindDag(bag, errors, r.GetValue(dagId)!, out var dagError);
                    if (dag is null)
                    {
                        return Task.FromResult(CliOutput.Error(dagError!));
                    }

                    var zone = TimetableParser.Zone(dag.Settings.Timezone);
                    DateTimeOffset from;
                    try
                    {
                        from = r.GetValue(after) is { } text ? TimetableParser.ParseDate(text, zone) : DateTimeOffset.UtcNow;
                    }
                    catch (FormatException e)
                    {
                        return Task.FromResult(CliOutput.Error($"--after: {e.Message}."));
                    }

                    var schedule = new Schedule(dag.DagId, zone, dag.Timetable.Summary, dag.Timetable.CanBeScheduled, dag.Settings.Catchup);
                    return Task.FromResult(Print(schedule, from, UpcomingRuns.After(dag, from, n), r.GetValue(output)!));
                }, dagsFolder);
        });
        return command;
    }

    private sealed record Schedule(string DagId, NodaTime.DateTimeZone Zone, string Summary, bool CanBeScheduled, bool Catchup);

    private static int Print(Schedule schedule, DateTimeOffset from, IReadOnlyList<DagRunInfo> runs, string output)
    {
        var zone = schedule.Zone;
        if (output == "json")
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
            Console.WriteLine(schedule.CanBeScheduled
                ? $"DAG '{schedule.DagId}' has no runs after {CliOutput.Iso(from, zone)} (its end_date or schedule ends earlier)."
                : $"DAG '{schedule.DagId}' has no schedule ({schedule.Summary}): it runs only when triggered.");
            return CliOutput.Ok;
        }

        var table = new Table().AddColumns("logical_date", "data_interval_start", "data_interval_end", "run_after");
        foreach (var i in runs)
        {
            table.AddRow(CliOutput.Iso(i.LogicalDate, zone), CliOutput.Iso(i.DataInterval.Start, zone), CliOutput.Iso(i.DataInterval.End, zone), CliOutput.Iso(i.RunAfter, zone));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"Schedule {schedule.Summary} in {zone.Id}; catchup {(schedule.Catchup ? "on" : "off")}."));
        return CliOutput.Ok;
    }
}
