using System.CommandLine;
using Gale.Engine;
using Gale.Host.Dags;
using Gale.Orchestration.InProcess;
using Gale.Runs;

namespace Gale.Host.Cli;

/// <summary><c>gale dags test</c>: one run in-process on the in-memory store, like Airflow's <c>dags test</c>.</summary>
internal static class DagsTestCommand
{
    public static Command Create()
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG to run." };
        var dagsFolder = DagDiscovery.FolderOption();
        var logicalDate = new Option<string?>("--logical-date") { Description = "Logical date, ISO 8601 (default: now)." };
        var conf = new Option<string?>("--conf") { Description = "Run conf as a JSON object." };
        var output = CliOutput.OutputOption();
        var command = new Command("test", "Run one DAG run in-process (no storage needed) and print each task's state. Exit 0: success, 1: failed, 2: usage or load error.")
        {
            dagId, dagsFolder, logicalDate, conf, output,
        };
        command.SetAction((result, ct) => RunAsync(result.GetValue(dagId)!, result.GetValue(dagsFolder)!, result.GetValue(logicalDate), result.GetValue(conf), result.GetValue(output)!, ct));
        return command;
    }

    /// <summary>
    /// One run in this process on the in-memory store, with the settings' variables and connections; task logs go to
    /// stderr, so <c>--output json</c> keeps stdout clean (<c>dags test</c> and <c>tasks test</c>).
    /// </summary>
    public static async Task<DagTestResult> RunInProcessAsync(Gale.Dags.Dag dag, DagRun run, DagBag bag, CancellationToken cancellationToken)
    {
        using var loggers = CliOutput.StderrLoggers(b => b.AddFilter("Gale", LogLevel.Warning).AddFilter("gale.task", LogLevel.Information));
        return await DagTestRunner.RunAsync(dag, run, new DagTestOptions { Loggers = loggers, Dags = bag, Services = new TaskServices { Settings = Gale.Host.Hosting.LocalSettings.Get, AllSettings = Gale.Host.Hosting.LocalSettings.All } }, cancellationToken);
    }

    private static async Task<int> RunAsync(string dagId, string dagsFolder, string? logicalDateText, string? confText, string output, CancellationToken cancellationToken)
    {
        var (bag, errors) = DagDiscovery.LoadAll(dagsFolder);
        var dag = ManualRunRequest.FindDag(bag, errors, dagId, out var dagError);
        if (dag is null)
        {
            return CliOutput.Error(dagError!);
        }

        var run = ManualRunRequest.Create(dag, logicalDateText, confText, null, out var runError);
        if (run is null)
        {
            return CliOutput.Error(runError!);
        }

        var result = await RunInProcessAsync(dag, run, bag, cancellationToken);
        RunPrinter.Print(dag, result.Snapshot, output);
        if (result.Stuck)
        {
            await Console.Error.WriteLineAsync("gale: the run could not finish: nothing is left to run and no timer is pending.");
        }

        return result.Snapshot.Run.State == DagRunState.Success ? CliOutput.Ok : CliOutput.Failed;
    }
}
