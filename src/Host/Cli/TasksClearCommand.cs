using System.CommandLine;
using Gale.Host.Dags;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Host.Cli;

/// <summary><c>gale tasks clear</c>: clear task instances of a run so they run again (sent to the run as an event).</summary>
internal static class TasksClearCommand
{
    public static Command Create()
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG." };
        var runId = new Argument<string>("run_id") { Description = "The run." };
        var taskIds = new Argument<string[]>("task_ids") { Description = "Tasks to clear.", Arity = ArgumentArity.OneOrMore };
        var downstream = new Option<bool>("--downstream", "-d") { Description = "Also clear downstream tasks." };
        var upstream = new Option<bool>("--upstream", "-u") { Description = "Also clear upstream tasks." };
        var onlyFailed = new Option<bool>("--only-failed", "-f") { Description = "Only clear failed and upstream_failed instances." };
        var storage = StorageOptions.Create();
        var command = new Command("clear", "Clear task instances so they run again with the next try number; the run goes back to running. Exit 0 when sent, 1 when the run does not exist.")
        {
            dagId, runId, taskIds, downstream, upstream, onlyFailed, storage,
        };
        command.SetAction((r, ct) => Remote.ApiTarget.RunAsync(
            r,
            storage,
            async api =>
            {
                var run = new RunKey(r.GetValue(dagId)!, r.GetValue(runId)!);
                if (await api.FindAsync(Remote.GaleApiClient.Path("dags", run.DagId, "dagRuns", run.RunId), ct) is null)
                {
                    return await RunsCommands.NoSuchRunAsync(run);
                }

                await api.SendAsync(HttpMethod.Post, Remote.GaleApiClient.Path("dags", run.DagId, "clearTaskInstances"), new { dag_run_id = run.RunId, task_ids = r.GetValue(taskIds), include_downstream = r.GetValue(downstream), include_upstream = r.GetValue(upstream), only_failed = r.GetValue(onlyFailed), dry_run = false }, ct);
                Console.WriteLine($"Clear of {string.Join(", ", r.GetValue(taskIds)!)} sent to run {run.RunId}.");
                return CliOutput.Ok;
            },
            () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            var run = new RunKey(r.GetValue(dagId)!, r.GetValue(runId)!);
            var (bag, _) = DagDiscovery.LoadAll(DagDiscovery.DefaultFolder);
            var runs = await CliRuns.OpenAsync(account, bag);
            var snapshot = await runs.LoadAsync(run, ct);
            if (snapshot is null)
            {
                return await RunsCommands.NoSuchRunAsync(run);
            }

            var unknown = r.GetValue(taskIds)!.Where(t => !snapshot.Tasks.Keys.Any(k => k.TaskId == t)).ToList();
            if (unknown.Count > 0)
            {
                return CliOutput.Error($"run '{run.RunId}' has no task {string.Join(", ", unknown.Select(u => $"'{u}'"))}.");
            }

            var cleared = new TasksCleared
            {
                EventId = $"clear:{Guid.NewGuid():N}",
                TaskIds = r.GetValue(taskIds)!,
                IncludeDownstream = r.GetValue(downstream),
                IncludeUpstream = r.GetValue(upstream),
                OnlyFailed = r.GetValue(onlyFailed),
                At = DateTimeOffset.UtcNow,
            };
            await runs.ApplyAsync(run, [cleared], ct);
            Console.WriteLine($"Clear of {string.Join(", ", cleared.TaskIds)} sent to run {run.RunId}.");
            return CliOutput.Ok;
        })));
        return command;
    }
}
