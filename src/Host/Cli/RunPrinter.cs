using System.Globalization;
using System.Text.Json;
using Gale.Dags;
using Gale.Runs;
using Spectre.Console;

namespace Gale.Host.Cli;

/// <summary>Prints a run and its task instances as a table or as the documented JSON shape.</summary>
internal static class RunPrinter
{
    public static void Print(Dag? dag, RunSnapshot snapshot, string output) =>
        Print(dag?.TopologicalOrder.Select(t => t.TaskId).ToList(), snapshot.Run, snapshot.Tasks.Values, output);

    /// <summary>Prints <paramref name="run"/> with its task instances, in <paramref name="taskOrder"/> (the DAG's topological order) when known.</summary>
    public static void Print(IReadOnlyList<string>? taskOrder, DagRun run, IEnumerable<TaskInstance> instances, string output)
    {
        var order = taskOrder?.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        var tasks = instances
            .OrderBy(t => order?.GetValueOrDefault(t.TaskId, int.MaxValue) ?? 0).ThenBy(t => t.TaskId, StringComparer.Ordinal).ThenBy(t => t.MapIndex)
            .ToList();
        if (output == "json")
        {
            var body = new
            {
                dag_id = run.DagId,
                run_id = run.RunId,
                state = run.State.ToAirflowName(),
                tasks = tasks.Select(t => new
                {
                    task_id = t.TaskId,
                    map_index = t.MapIndex,
                    state = t.State == TaskInstanceState.None ? null : t.State.ToAirflowName(),
                    try_number = t.TryNumber,
                    start_date = t.StartDate is null ? null : CliOutput.Iso(t.StartDate),
                    end_date = t.EndDate is null ? null : CliOutput.Iso(t.EndDate),
                }),
            };
            Console.WriteLine(JsonSerializer.Serialize(body, CliOutput.Json));
            return;
        }

        var table = new Table().Title($"{run.DagId} · {run.RunId}");
        table.AddColumns("task_id", "map_index", "state", "try_number", "start_date", "end_date", "duration");
        foreach (var t in tasks)
        {
            table.AddRow(
                Markup.Escape(t.TaskId), t.MapIndex.ToString(CultureInfo.InvariantCulture), StateMarkup(t.State), t.TryNumber.ToString(CultureInfo.InvariantCulture),
                Short(t.StartDate), Short(t.EndDate), t.Duration is { } d ? $"{d.TotalSeconds:0.000}s" : string.Empty);
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Run [bold]{Markup.Escape(run.RunId)}[/]: {RunStateMarkup(run.State)}");
        foreach (var failed in tasks.Where(t => t.Message is not null && t.State is TaskInstanceState.Failed or TaskInstanceState.UpForRetry))
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(failed.TaskId)}[/]: {Markup.Escape(failed.Message!)}");
        }
    }

    private static string Short(DateTimeOffset? value) =>
        value?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? string.Empty;

    private static string RunStateMarkup(DagRunState state) => state switch
    {
        DagRunState.Success => "[green]success[/]",
        DagRunState.Failed => "[red]failed[/]",
        DagRunState.Running => "[lime]running[/]",
        _ => "[grey]queued[/]",
    };

    private static string StateMarkup(TaskInstanceState state) => state switch
    {
        TaskInstanceState.Success => "[green]success[/]",
        TaskInstanceState.Failed => "[red]failed[/]",
        TaskInstanceState.UpstreamFailed => "[darkorange]upstream_failed[/]",
        TaskInstanceState.Skipped => "[fuchsia]skipped[/]",
        TaskInstanceState.UpForRetry => "[gold1]up_for_retry[/]",
        TaskInstanceState.Running => "[lime]running[/]",
        TaskInstanceState.Queued => "[grey]queued[/]",
        TaskInstanceState.None => "[grey]none[/]",
        _ => state.ToAirflowName(),
    };
}
