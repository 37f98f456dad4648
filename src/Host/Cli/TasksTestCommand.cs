using System.CommandLine;
using System.Text.Json;
using Gale.Dags;
using Gale.Execution;
using Gale.Host.Dags;
using Gale.Runs;

namespace Gale.Host.Cli;

/// <summary>
/// <c>gale tasks test</c>: run one task in this process (Airflow's <c>tasks test</c>): no upstream tasks, no dependency
/// checks, one try, nothing stored; its log goes to stderr and its state and return value are printed.
/// </summary>
internal static class TasksTestCommand
{
    public static Command Create()
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG." };
        var taskId = new Argument<string>("task_id") { Description = "The task to run." };
        var logicalDate = new Option<string?>("--logical-date") { Description = "Logical date, ISO 8601 (default: now)." };
        var conf = new Option<string?>("--conf") { Description = "Run conf as a JSON object." };
        var dagsFolder = DagDiscovery.FolderOption();
        var output = CliOutput.OutputOption();
        var command = new Command("test", "Run one task in-process, ignoring its upstream tasks and trigger rule, without storage: one try, its log on stderr, then its state and return value. Exit 0: success, 1: failed, 2: usage or load error.")
        {
            dagId, taskId, logicalDate, conf, dagsFolder, output,
        };
        command.SetAction((r, ct) => RunAsync(r.GetValue(dagId)!, r.GetValue(taskId)!, r.GetValue(dagsFolder)!, r.GetValue(logicalDate), r.GetValue(conf), r.GetValue(output)!, ct));
        return command;
    }

    private static async Task<int> RunAsync(string dagId, string taskId, string dagsFolder, string? logicalDateText, string? confText, string output, CancellationToken cancellationToken)
    {
        var (bag, errors) = DagDiscovery.LoadAll(dagsFolder);
        var dag = ManualRunRequest.FindDag(bag, errors, dagId, out var dagError);
        if (dag is null)
        {
            return CliOutput.Error(dagError!);
        }

        if (!dag.HasTask(taskId))
        {
            return CliOutput.Error($"DAG '{dagId}' has no task '{taskId}'. Its tasks: {string.Join(", ", dag.TopologicalOrder.Select(t => t.TaskId))}.");
        }

        var task = dag.GetTask(taskId);
        if (task.Mapping is not null)
        {
            return CliOutput.Error($"task '{taskId}' is mapped: its instances come from its upstream tasks; use `gale dags test {dagId}`.");
        }

        // The task alone: no upstream, one try, no DAG callbacks or cleanup (Airflow's tasks test ignores dependencies).
        var alone = new Dag(dag.Settings with { OnSuccessCallback = null, OnFailureCallback = null, DagrunTimeout = null }, [task with { Upstream = [], Retries = 0 }]);
        var run = ManualRunRequest.Create(alone, logicalDateText, confText, null, out var runError);
        if (run is null)
        {
            return CliOutput.Error(runError!);
        }

        var result = await DagsTestCommand.RunInProcessAsync(alone, run, bag, cancellationToken);
        var ti = result.Snapshot.Find(new TaskInstanceKey(taskId, -1))!;
        var value = await result.XComs.GetAsync(new XComKey(dagId, run.RunId, taskId, -1, XComAccessor.ReturnValueKey), cancellationToken);
        var state = ti.State == TaskInstanceState.None ? "none" : ti.State.ToAirflowName();
        if (output == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                dag_id = dagId,
                task_id = taskId,
                run_id = run.RunId,
                state,
                try_number = ti.TryNumber,
                duration = ti.Duration?.TotalSeconds,
                return_value = value is null ? (JsonElement?)null : JsonDocument.Parse(value).RootElement.Clone(),
                error = ti.Message,
            }, CliOutput.Json));
        }
        else
        {
            Console.WriteLine($"Task {dagId}.{taskId}: {state}{(ti.Duration is { } d ? $" in {d.TotalSeconds:0.000}s" : string.Empty)}");
            if (value is not null)
            {
                Console.WriteLine($"return_value: {value}");
            }

            if (ti.Message is not null && ti.State is TaskInstanceState.Failed)
            {
                Console.WriteLine($"error: {ti.Message}");
            }
        }

        return ti.State == TaskInstanceState.Success ? CliOutput.Ok : CliOutput.Failed;
    }
}
