using System.CommandLine;
using System.Text;
using System.Text.Json;
using Gale.Host.Cli.Remote;
using Gale.Host.Dags;
using Spectre.Console;

namespace Gale.Host.Cli;

/// <summary><c>gale dags show</c>: a DAG's schedule and tasks as a table, JSON, or Graphviz DOT (as Airflow's <c>dags show</c>).</summary>
internal static class DagsShowCommand
{
    public static Command Create()
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG." };
        var dot = new Option<bool>("--dot") { Description = "Print the graph in Graphviz DOT (pipe it to `dot -Tpng`)." };
        var dagsFolder = DagDiscovery.FolderOption();
        var output = CliOutput.OutputOption();
        var command = new Command("show", "Show a DAG: schedule, tasks, their operators, upstream tasks and trigger rules. Exit 2 when the DAG is not loaded.") { dagId, dot, dagsFolder, output };
        command.SetAction((r, ct) => ApiTarget.RunAsync(
            r,
            null,
            async api => await DagView.FetchAsync(api, r.GetValue(dagId)!, ct) is { } view ? Print(view, r.GetValue(dot), r.GetValue(output)!) : NotLoaded(r.GetValue(dagId)!),
            () =>
            {
                var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!);
                return Task.FromResult(bag.Find(r.GetValue(dagId)!) is { } dag ? Print(DagView.Of(dag), r.GetValue(dot), r.GetValue(output)!) : NotLoaded(r.GetValue(dagId)!));
            }, dagsFolder));
        return command;
    }

    private static int NotLoaded(string dagId) => CliOutput.Error($"DAG '{dagId}' is not loaded; see gale dags list and gale dags list-import-errors");

    private static int Print(DagView dag, bool dot, string output)
    {
        if (dot)
        {
            Console.Write(Dot(dag));
            return CliOutput.Ok;
        }

        if (output == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                dag_id = dag.DagId,
                description = dag.Description,
                schedule = dag.ScheduleDescription,
                asset_expression = dag.AssetExpression,
                fileloc = dag.Fileloc,
                tasks = dag.Tasks.Select(t => new
                {
                    task_id = t.TaskId,
                    @operator = t.Operator,
                    upstream = t.Upstream,
                    downstream = t.Downstream,
                    trigger_rule = t.TriggerRule,
                    retries = t.Retries,
                }),
            }, CliOutput.Json));
            return CliOutput.Ok;
        }

        AnsiConsole.MarkupLine(Markup.Escape($"{dag.DagId}: {dag.ScheduleDescription}{(dag.Description is { } d ? $" - {d}" : string.Empty)}"));
        var table = new Table().AddColumns("task_id", "operator", "upstream", "trigger_rule", "retries");
        foreach (var t in dag.Tasks)
        {
            table.AddRow(Markup.Escape(t.TaskId), Markup.Escape(t.Operator), Markup.Escape(string.Join(", ", t.Upstream)), t.TriggerRule, t.Retries.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        return CliOutput.Ok;
    }

    private static string Dot(DagView dag)
    {
        static string Quote(string id) => "\"" + id.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        var sb = new StringBuilder();
        sb.Append("digraph ").Append(Quote(dag.DagId)).AppendLine(" {").AppendLine("  rankdir=LR;");
        foreach (var t in dag.Tasks)
        {
            sb.Append("  ").Append(Quote(t.TaskId)).Append(" [label=").Append(Quote($"{t.TaskId}\n{t.Operator}")).AppendLine("];");
        }

        foreach (var t in dag.Tasks)
        {
            foreach (var down in t.Downstream)
            {
                sb.Append("  ").Append(Quote(t.TaskId)).Append(" -> ").Append(Quote(down)).AppendLine(";");
            }
        }

        return sb.AppendLine("}").ToString();
    }
}
