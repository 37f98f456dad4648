using System.CommandLine;
using System.Text.Json;
using Gale.Host.Dags;
using Gale.Scheduling;
using Gale.Storage;
using Gale.Storage.Engine;

namespace Gale.Host.Cli;

/// <summary><c>gale dags pause|unpause</c>: stop or resume scheduling a DAG (its queued runs wait while it is paused).</summary>
internal static class DagsPauseCommands
{
    public static Command Pause() => Create("pause", paused: true, "Pause a DAG: the scheduler creates no runs for it and starts none of its queued runs.");

    public static Command Unpause() => Create("unpause", paused: false, "Unpause a DAG: scheduling resumes (with catchup off, from the latest interval).");

    private static Command Create(string name, bool paused, string description)
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG." };
        var dagsFolder = DagDiscovery.FolderOption();
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command(name, description + " Exit 0: done, 2: unknown DAG.") { dagId, dagsFolder, storage, output };
        command.SetAction((r, ct) => Remote.ApiTarget.RunAsync(
            r,
            storage,
            async api => Print(await api.SendAsync(HttpMethod.Patch, Remote.GaleApiClient.Path("dags", r.GetValue(dagId)!), new { is_paused = paused }, ct) is var dag ? (dag.GetProperty("dag_id").GetString()!, dag.GetProperty("is_paused").GetBoolean()) : default, r.GetValue(output)!),
            () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            var (bag, errors) = DagDiscovery.LoadAll(r.GetValue(dagsFolder)!, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags"), ct));
            var dag = ManualRunRequest.FindDag(bag, errors, r.GetValue(dagId)!, out var error);
            if (dag is null)
            {
                return CliOutput.Error(error!);
            }

            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            var state = await Scheduler.SetPausedAsync(StorageEngine.DagStateStore(account), dag.DagId, paused, ct);
            return Print((dag.DagId, state.IsPaused), r.GetValue(output)!);
        }), dagsFolder));
        return command;
    }

    private static int Print((string DagId, bool IsPaused) dag, string output)
    {
        if (output == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(new { dag_id = dag.DagId, is_paused = dag.IsPaused }, CliOutput.Json));
        }
        else
        {
            Console.WriteLine($"DAG {dag.DagId} is {(dag.IsPaused ? "paused" : "unpaused")}.");
        }

        return CliOutput.Ok;
    }
}
