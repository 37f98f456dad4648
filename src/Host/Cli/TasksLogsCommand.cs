using System.CommandLine;
using System.Text.Json;
using Gale.Logs;
using Gale.Storage.Engine;

namespace Gale.Host.Cli;

/// <summary><c>gale tasks logs</c>: print a task instance's log for one try (default: the latest), from the <c>logs</c> container.</summary>
internal static class TasksLogsCommand
{
    public static Command Create()
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG." };
        var runId = new Argument<string>("run_id") { Description = "The run." };
        var taskId = new Argument<string>("task_id") { Description = "The task." };
        var tryNumber = new Option<int?>("--try", "-t") { Description = "The try (default: the latest that has a log)." };
        var mapIndex = new Option<int>("--map-index", "-m") { Description = "Map index of a mapped task (default -1: unmapped).", DefaultValueFactory = _ => -1 };
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("logs", "Print a task's log for one try; works while the task runs. Exit 0: printed, 1: no log (or storage unreachable).")
        {
            dagId, runId, taskId, tryNumber, mapIndex, storage, output,
        };
        command.SetAction((r, ct) => Remote.ApiTarget.RunAsync(
            r,
            storage,
            async api =>
            {
                var (dag, run, task, map) = (r.GetValue(dagId)!, r.GetValue(runId)!, r.GetValue(taskId)!, r.GetValue(mapIndex));
                var query = map >= 0 ? $"?map_index={map}" : string.Empty;
                var ti = await api.FindAsync(Remote.GaleApiClient.Path("dags", dag, "dagRuns", run, "taskInstances", task) + query, ct);
                var texts = new SortedDictionary<int, string>();
                for (var n = 1; ti is { } found && n <= Math.Min(found.GetProperty("try_number").GetInt32(), 100); n++)
                {
                    if (await api.FindAsync(Remote.GaleApiClient.Path("dags", dag, "dagRuns", run, "taskInstances", task, "logs", n.ToString(System.Globalization.CultureInfo.InvariantCulture)) + query, ct) is { } log)
                    {
                        texts[n] = log.GetProperty("content").GetString()!;
                    }
                }

                var tries = texts.Keys.ToList();
                var chosen = r.GetValue(tryNumber) ?? (tries.Count > 0 ? tries[^1] : 1);
                return await PrintAsync(dag, run, task, map, tries, chosen, texts.GetValueOrDefault(chosen), r.GetValue(output)!);
            },
            () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
            {
                var logs = StorageEngine.TaskLogStore(account);
                var (dag, run, task, map) = (r.GetValue(dagId)!, r.GetValue(runId)!, r.GetValue(taskId)!, r.GetValue(mapIndex));
                var tries = await logs.ListTriesAsync(dag, run, task, map, ct);
                var chosen = r.GetValue(tryNumber) ?? (tries.Count > 0 ? tries[^1] : 1);
                return await PrintAsync(dag, run, task, map, tries, chosen, await logs.ReadAsync(new TaskLogKey(dag, run, task, map, chosen), ct), r.GetValue(output)!);
            })));
        return command;
    }

    private static async Task<int> PrintAsync(string dag, string run, string task, int map, IReadOnlyList<int> tries, int chosen, string? text, string output)
    {
        if (text is null)
        {
            await Console.Error.WriteLineAsync(tries.Count == 0
                ? $"gale: no log for task '{task}' of run '{run}' (DAG '{dag}'{(map >= 0 ? $", map index {map}" : string.Empty)}): it has not started, or the ids are wrong."
                : $"gale: task '{task}' has no log for try {chosen}; tries with logs: {string.Join(", ", tries)}.");
            return CliOutput.Failed;
        }

        if (output == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(new { dag_id = dag, dag_run_id = run, task_id = task, map_index = map, try_number = chosen, tries, content = text }, CliOutput.Json));
        }
        else
        {
            Console.WriteLine($"*** Log of {dag} / {run} / {task}{(map >= 0 ? $"[{map}]" : string.Empty)}, try {chosen} of tries {string.Join(", ", tries)}");
            Console.Write(text);
        }

        return CliOutput.Ok;
    }
}
