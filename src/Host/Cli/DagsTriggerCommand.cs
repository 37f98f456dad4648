using System.CommandLine;
using Gale.Host.Dags;
using Gale.Runs;
using Gale.Storage;
using Gale.Storage.Engine;

namespace Gale.Host.Cli;

/// <summary><c>gale dags trigger</c>: create a manual run in storage; a running <c>gale serve</c> (or Functions app) runs it.</summary>
internal static class DagsTriggerCommand
{
    public static Command Create()
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG to trigger." };
        var conf = new Option<string?>("--conf") { Description = "Run conf as a JSON object." };
        var logicalDate = new Option<string?>("--logical-date") { Description = "Logical date, ISO 8601 (default: now)." };
        var runId = new Option<string?>("--run-id") { Description = "Run id (default: manual__<logical date>)." };
        var dagsFolder = DagDiscovery.FolderOption();
        var wait = new Option<bool>("--wait") { Description = "Wait until the run finishes and print its tasks." };
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("trigger", "Trigger a manual DAG run: it is queued and the scheduler of `gale serve` starts it within max_active_runs. Exit 0 when created (with --wait: when it succeeded), 1 when it failed, 2 on bad input.")
        {
            dagId, dagsFolder, conf, logicalDate, runId, wait, storage, output,
        };
        command.SetAction((r, ct) => Remote.ApiTarget.RunAsync(
            r,
            storage,
            api => RunRemoteAsync(api, r.GetValue(dagId)!, r.GetValue(conf), r.GetValue(logicalDate), r.GetValue(runId), r.GetValue(wait), r.GetValue(output)!, ct),
            () => RunAsync(r.GetValue(dagId)!, r.GetValue(dagsFolder)!, r.GetValue(conf), r.GetValue(logicalDate), r.GetValue(runId), r.GetValue(wait), r.GetValue(storage), r.GetValue(output)!, ct), dagsFolder));
        return command;
    }

    private static async Task<int> RunRemoteAsync(Remote.GaleApiClient api, string dagId, string? confText, string? logicalDate, string? runId, bool wait, string output, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, object?>();
        if (runId is not null)
        {
            body["dag_run_id"] = runId;
        }

        if (logicalDate is not null)
        {
            body["logical_date"] = logicalDate;
        }

        if (confText is not null)
        {
            try
            {
                using var conf = System.Text.Json.JsonDocument.Parse(confText);
                body["conf"] = conf.RootElement.Clone();
            }
            catch (System.Text.Json.JsonException e)
            {
                return CliOutput.Error($"--conf: not JSON: {e.Message}");
            }
        }

        var created = Remote.ApiModels.Run(await api.SendAsync(HttpMethod.Post, Remote.GaleApiClient.Path("dags", dagId, "dagRuns"), body, cancellationToken));
        var runPath = Remote.GaleApiClient.Path("dags", dagId, "dagRuns", created.RunId);
        var run = created;
        while (wait && !run.State.IsFinished())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            run = Remote.ApiModels.Run(await api.GetAsync(runPath, cancellationToken));
        }

        var instances = await api.ListAsync(runPath + "/taskInstances", "task_instances", cancellationToken);
        var order = (await Remote.DagView.FetchAsync(api, dagId, cancellationToken))?.Tasks.Select(t => t.TaskId).ToList();
        RunPrinter.Print(order, run, instances.Select(Remote.ApiModels.TaskInstance), output);
        return !wait || run.State == DagRunState.Success ? CliOutput.Ok : CliOutput.Failed;
    }

    private static Task<int> RunAsync(string dagId, string dagsFolder, string? confText, string? logicalDateText, string? runId, bool wait, string? storage, string output, CancellationToken cancellationToken) =>
        StorageOptions.RunAsync(storage, async account =>
        {
            var (bag, errors) = DagDiscovery.LoadAll(dagsFolder, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), cancellationToken));
            var dag = ManualRunRequest.FindDag(bag, errors, dagId, out var dagError);
            if (dag is null)
            {
                return CliOutput.Error(dagError!);
            }

            var run = ManualRunRequest.Create(dag, logicalDateText, confText, runId, out var runError);
            if (run is null)
            {
                return CliOutput.Error(runError!);
            }

            await GaleStorageLayout.EnsureCreatedAsync(account, cancellationToken);
            var engine = await CliRuns.OpenAsync(account, bag);
            var (snapshot, created) = await engine.CreateRunAsync(dag, run, start: false, cancellationToken); // queued: the scheduler starts it within max_active_runs
            if (!created)
            {
                return CliOutput.Error($"run '{run.RunId}' of DAG '{dag.DagId}' already exists.");
            }

            while (wait && !snapshot.Run.State.IsFinished())
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                snapshot = (await engine.LoadAsync(run.Key, cancellationToken))!;
            }

            RunPrinter.Print(dag, snapshot, output);
            return !wait || snapshot.Run.State == DagRunState.Success ? CliOutput.Ok : CliOutput.Failed;
        });
}
