using System.CommandLine;
using System.Text.Json;
using Gale.Storage.Engine;
using Spectre.Console;

namespace Gale.Host.Cli;

/// <summary><c>gale tasks render</c>: show a task instance's template fields as its latest try rendered them (secrets masked).</summary>
internal static class TasksRenderCommand
{
    public static Command Create()
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG." };
        var runId = new Argument<string>("run_id") { Description = "The run." };
        var taskId = new Argument<string>("task_id") { Description = "The task." };
        var mapIndex = new Option<int>("--map-index", "-m") { Description = "Map index of a mapped task (default -1: unmapped).", DefaultValueFactory = _ => -1 };
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("render", "Show the rendered template fields of a task instance's latest try. Exit 0: shown, 1: not rendered yet.")
        {
            dagId, runId, taskId, mapIndex, storage, output,
        };
        command.SetAction((r, ct) => Remote.ApiTarget.RunAsync(
            r,
            storage,
            async api =>
            {
                var (dag, run, task, map) = (r.GetValue(dagId)!, r.GetValue(runId)!, r.GetValue(taskId)!, r.GetValue(mapIndex));
                var ti = await api.FindAsync(Remote.GaleApiClient.Path("dags", dag, "dagRuns", run, "taskInstances", task) + (map >= 0 ? $"?map_index={map}" : string.Empty), ct);
                var rendered = ti is { } found && found.TryGetProperty("rendered_fields", out var fields) && fields.ValueKind == JsonValueKind.Object
                    ? new Gale.Templates.RenderedFields(found.TryGetProperty("rendered_try_number", out var t) ? t.GetInt32() : found.GetProperty("try_number").GetInt32(), fields.EnumerateObject().ToDictionary(f => f.Name, f => f.Value.GetString() ?? string.Empty, StringComparer.Ordinal))
                    : null;
                return await PrintAsync(dag, run, task, map, rendered, r.GetValue(output)!);
            },
            () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
            {
                var (dag, run, task, map) = (r.GetValue(dagId)!, r.GetValue(runId)!, r.GetValue(taskId)!, r.GetValue(mapIndex));
                return await PrintAsync(dag, run, task, map, await StorageEngine.RenderedFieldStore(account).GetAsync(dag, run, task, map, ct), r.GetValue(output)!);
            })));
        return command;
    }

    private static async Task<int> PrintAsync(string dag, string run, string task, int map, Gale.Templates.RenderedFields? rendered, string output)
    {
        if (rendered is null)
        {
            await Console.Error.WriteLineAsync($"gale: task '{task}' of run '{run}' (DAG '{dag}') has no rendered fields: it has not started, its operator has no template fields, or the ids are wrong.");
            return CliOutput.Failed;
        }

        if (output == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(new { dag_id = dag, dag_run_id = run, task_id = task, map_index = map, try_number = rendered.TryNumber, rendered_fields = rendered.Fields }, CliOutput.Json));
            return CliOutput.Ok;
        }

        var table = new Table().AddColumns("field", $"rendered (try {rendered.TryNumber})");
        foreach (var (name, value) in rendered.Fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            table.AddRow(Markup.Escape(name), Markup.Escape(value));
        }

        AnsiConsole.Write(table);
        return CliOutput.Ok;
    }
}
