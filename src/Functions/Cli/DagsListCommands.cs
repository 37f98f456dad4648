using System.CommandLine;
using System.Text.Json;
using Gale.Functions.Dags;
using Spectre.Console;

namespace Gale.Functions.Cli;

/// <summary><c>gale dags list</c> and <c>gale dags list-import-errors</c>.</summary>
internal static class DagsListCommands
{
    public static Command List()
    {
        var dagsFolder = DagDiscovery.FolderOption();
        var output = CliOutput.OutputOption();
        var command = new Command("list", "List the DAGs Gale loads (C# compiled in, YAML from the DAGs folder).") { dagsFolder, output };
        command.SetAction(r =>
        {
            var (bag, errors) = DagDiscovery.LoadAll(r.GetValue(dagsFolder));
            var dags = bag.Dags.OrderBy(d => d.DagId, StringComparer.Ordinal).ToList();
            if (r.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(dags.Select(d => new
                {
                    dag_id = d.DagId,
                    fileloc = d.Settings.Fileloc,
                    description = d.Settings.Description,
                    tags = d.Settings.Tags,
                    schedule = d.Settings.Schedule,
                    tasks = d.TopologicalOrder.Count,
                }), CliOutput.Json));
            }
            else
            {
                var table = new Table();
                table.AddColumns("dag_id", "fileloc", "tags", "schedule", "tasks");
                foreach (var d in dags)
                {
                    table.AddRow(Markup.Escape(d.DagId), Markup.Escape(d.Settings.Fileloc ?? string.Empty), Markup.Escape(string.Join(", ", d.Settings.Tags)), Markup.Escape(d.ScheduleDescription), d.TopologicalOrder.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                AnsiConsole.Write(table);
                if (errors.Count > 0)
                {
                    AnsiConsole.MarkupLine($"[red]{errors.Count} DAG file(s) failed to load[/]: see `gale dags list-import-errors`.");
                }
            }

            return CliOutput.Ok;
        });
        return command;
    }

    public static Command ListImportErrors()
    {
        var dagsFolder = DagDiscovery.FolderOption();
        var output = CliOutput.OutputOption();
        var command = new Command("list-import-errors", "List DAG files that failed to load and why. Exit 0 when there are none, 1 when there are.") { dagsFolder, output };
        command.SetAction(r =>
        {
            var (_, errors) = DagDiscovery.LoadAll(r.GetValue(dagsFolder));
            if (r.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(errors.Select(e => new { filename = e.Source, stack_trace = e.Error }), CliOutput.Json));
            }
            else if (errors.Count == 0)
            {
                Console.WriteLine("No import errors.");
            }
            else
            {
                var table = new Table();
                table.AddColumns("filepath", "error");
                foreach (var e in errors)
                {
                    table.AddRow(Markup.Escape(e.Source), Markup.Escape(e.Error));
                }

                AnsiConsole.Write(table);
            }

            return errors.Count == 0 ? CliOutput.Ok : CliOutput.Failed;
        });
        return command;
    }
}
