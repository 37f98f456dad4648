using System.CommandLine;
using System.Text.Json;
using Gale.Dags;
using Gale.Host.Cli.Remote;
using Gale.Host.Dags;
using Spectre.Console;

namespace Gale.Host.Cli;

/// <summary><c>gale dags list</c> and <c>gale dags list-import-errors</c>: from the DAG folder, or from the API's host with <c>--api</c>.</summary>
internal static class DagsListCommands
{
    public static Command List()
    {
        var dagsFolder = DagDiscovery.FolderOption();
        var output = CliOutput.OutputOption();
        var command = new Command("list", "List the DAGs Gale loads (C# compiled in, YAML from the DAGs folder; with --api, those the API's host loaded).") { dagsFolder, output };
        command.SetAction((r, ct) => ApiTarget.RunAsync(
            r,
            null,
            async api => Print(await DagView.FetchAllAsync(api, ct), (await api.GetAsync("importErrors?limit=1", ct)).GetProperty("total_entries").GetInt32(), r.GetValue(output)!),
            () =>
            {
                var (bag, errors) = DagDiscovery.LoadAll(r.GetValue(dagsFolder));
                return Task.FromResult(Print([.. bag.Dags.Select(DagView.Of)], errors.Count, r.GetValue(output)!));
            }, dagsFolder));
        return command;
    }

    public static Command ListImportErrors()
    {
        var dagsFolder = DagDiscovery.FolderOption();
        var output = CliOutput.OutputOption();
        var command = new Command("list-import-errors", "List DAG files that failed to load and why. Exit 0 when there are none, 1 when there are.") { dagsFolder, output };
        command.SetAction((r, ct) => ApiTarget.RunAsync(
            r,
            null,
            async api => PrintErrors([.. (await api.ListAsync("importErrors", "import_errors", ct)).Select(e => new DagImportError(e.GetProperty("filename").GetString()!, e.GetProperty("stack_trace").GetString()!))], r.GetValue(output)!),
            () => Task.FromResult(PrintErrors(DagDiscovery.LoadAll(r.GetValue(dagsFolder)).Errors, r.GetValue(output)!)), dagsFolder));
        return command;
    }

    private static int Print(List<DagView> all, int importErrors, string output)
    {
        var dags = all.OrderBy(d => d.DagId, StringComparer.Ordinal).ToList();
        if (output == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(dags.Select(d => new
            {
                dag_id = d.DagId,
                fileloc = d.Fileloc,
                description = d.Description,
                tags = d.Tags,
                schedule = d.Schedule,
                tasks = d.Tasks.Count,
            }), CliOutput.Json));
            return CliOutput.Ok;
        }

        var table = new Table();
        table.AddColumns("dag_id", "fileloc", "tags", "schedule", "tasks");
        foreach (var d in dags)
        {
            table.AddRow(Markup.Escape(d.DagId), Markup.Escape(d.Fileloc ?? string.Empty), Markup.Escape(string.Join(", ", d.Tags)), Markup.Escape(d.ScheduleDescription), d.Tasks.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        if (importErrors > 0)
        {
            AnsiConsole.MarkupLine($"[red]{importErrors} DAG file(s) failed to load[/]: see `gale dags list-import-errors`.");
        }

        return CliOutput.Ok;
    }

    private static int PrintErrors(IReadOnlyList<DagImportError> errors, string output)
    {
        if (output == "json")
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
    }
}
