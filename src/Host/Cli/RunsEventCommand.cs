using System.CommandLine;
using Gale.Host.Dags;
using Gale.Runs;

namespace Gale.Host.Cli;

/// <summary><c>gale runs event</c>: send an external event to a run (wakes tasks deferred on an ExternalEventTrigger of that name).</summary>
internal static class RunsEventCommand
{
    public static Command Create()
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG." };
        var runId = new Argument<string>("run_id") { Description = "The run." };
        var name = new Argument<string>("name") { Description = "The event's name (case-insensitive)." };
        var data = new Option<string?>("--data") { Description = "The event's payload, as JSON (default: null)." };
        var storage = StorageOptions.Create();
        var command = new Command("event", "Send an external event to a run: tasks waiting for it resume with its data; if none waits yet, the run keeps it for the first that does. Exit 0 when sent, 1 when the run does not exist, 2 on a bad name or data.")
        {
            dagId, runId, name, data, storage,
        };
        command.SetAction((r, ct) => Remote.ApiTarget.RunAsync(
            r,
            storage,
            async api =>
            {
                var (raised, problem) = ExternalEvents.Create(r.GetValue(name)!, r.GetValue(data), DateTimeOffset.UtcNow);
                if (raised is null)
                {
                    return CliOutput.Error(problem!);
                }

                var run = new RunKey(r.GetValue(dagId)!, r.GetValue(runId)!);
                if (await api.FindAsync(Remote.GaleApiClient.Path("dags", run.DagId, "dagRuns", run.RunId), ct) is null)
                {
                    return await RunsCommands.NoSuchRunAsync(run);
                }

                await api.SendAsync(HttpMethod.Post, Remote.GaleApiClient.Path("dags", run.DagId, "dagRuns", run.RunId, "events", raised.Name), r.GetValue(data) ?? "null", ct);
                Console.WriteLine($"Event '{raised.Name}' sent to run {run.RunId}.");
                return CliOutput.Ok;
            },
            () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            var (raised, problem) = ExternalEvents.Create(r.GetValue(name)!, r.GetValue(data), DateTimeOffset.UtcNow);
            if (raised is null)
            {
                return CliOutput.Error(problem!);
            }

            var run = new RunKey(r.GetValue(dagId)!, r.GetValue(runId)!);
            var (bag, _) = DagDiscovery.LoadAll(DagDiscovery.DefaultFolder);
            var runs = await CliRuns.OpenAsync(account, bag);
            if (await runs.LoadAsync(run, ct) is null)
            {
                return await RunsCommands.NoSuchRunAsync(run);
            }

            await runs.ApplyAsync(run, [raised], ct);
            Console.WriteLine($"Event '{raised.Name}' sent to run {run.RunId}.");
            return CliOutput.Ok;
        })));
        return command;
    }
}
