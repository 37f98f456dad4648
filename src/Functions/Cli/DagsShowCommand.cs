using System.CommandLine;
using System.Text;
using System.Text.Json;
using Gale.Dags;
using Gale.Functions.Dags;
using Spectre.Console;

namespace Gale.Functions.Cli;

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
        command.SetAction(r =>
        {
            var (bag, _) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!);
            if (bag.Find(r.GetValue(dagId)!) is not { } dag)
            {
                return CliOutput.Error($"DAG '{r.GetValue(dagId)}' is not loaded; see gale dags list and gale dags list-import-errors");
            }

            if (r.GetValue(dot))
            {
                Console.Write(Dot(dag));
                return CliOutput.Ok;
            }

            if (r.GetValue(output) == "json")
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    dag_id = dag.DagId,
                    description = dag.Settings.Description,
                    schedule = dag.ScheduleDescription,
                    asset_expression = dag.Settings.AssetSchedule?.ToString(),
                    fileloc = dag.Settings.Fileloc,
                    tasks = dag.TopologicalOrder.Select(t => new
                    {
                        task_id = t.TaskId,
                        @operator = t.Operator.OperatorName,
                        upstream = t.Upstream,
                        downstream = dag.Downstream(t.TaskId),
                        trigger_rule = t.TriggerRule.ToAirflowName(),
                        retries = t.Retries,
                    }),
                }, CliOutput.Json));
                return CliOutput.Ok;
            }

            AnsiConsole.MarkupLine(Markup.Escape($"{dag.DagId}: {dag.ScheduleDescription}{(dag.Settings.Description is { } d ? $" - {d}" : string.Empty)}"));
            var table = new Table().AddColumns("task_id", "operator", "upstream", "trigger_rule", "retries");
            foreach (var t in dag.TopologicalOrder)
            {
                table.AddRow(Markup.Escape(t.TaskId), Markup.Escape(t.Operator.OperatorName), Markup.Escape(string.Join(", ", t.Upstream)), t.TriggerRule.ToAirflowName(), t.Retries.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            return CliOutput.Ok;
        });
        return command;
    }

    private static string Dot(Dag dag)
    {
        static string Quote(string id) => "\"" + id.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        var sb = new StringBuilder();
        sb.Append("digraph ").Append(Quote(dag.DagId)).AppendLine(" {").AppendLine("  rankdir=LR;");
        foreach (var t in dag.TopologicalOrder)
        {
            sb.Append("  ").Append(Quote(t.TaskId)).Append(" [label=").Append(Quote($"{t.TaskId}\n{t.Operator.OperatorName}")).AppendLine("];");
        }

        foreach (var t in dag.TopologicalOrder)
        {
            foreach (var down in dag.Downstream(t.TaskId))
            {
                sb.Append("  ").Append(Quote(t.TaskId)).Append(" -> ").Append(Quote(down)).AppendLine(";");
            }
        }

        return sb.AppendLine("}").ToString();
    }
}
