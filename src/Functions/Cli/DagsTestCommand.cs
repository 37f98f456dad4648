using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gale.Engine;
using Gale.Functions.Dags;
using Gale.Runs;

namespace Gale.Functions.Cli;

/// <summary><c>gale dags test</c>: one run in-process on the in-memory store, like Airflow's <c>dags test</c>.</summary>
internal static class DagsTestCommand
{
    public static Command Create()
    {
        var dagId = new Argument<string>("dag_id") { Description = "The DAG to run." };
        var dagsFolder = new Option<string>("--dags-folder") { Description = "Folder of YAML DAG files (C# DAGs are compiled in).", DefaultValueFactory = _ => DagDiscovery.DefaultFolder };
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

    private static async Task<int> RunAsync(string dagId, string dagsFolder, string? logicalDateText, string? confText, string output, CancellationToken cancellationToken)
    {
        var (bag, errors) = DagDiscovery.LoadAll(dagsFolder);
        var dag = bag.Find(dagId);
        if (dag is null)
        {
            var broken = errors.FirstOrDefault(e => e.Source.Contains(dagId, StringComparison.OrdinalIgnoreCase) || e.Error.Contains($"'{dagId}'", StringComparison.Ordinal));
            return CliOutput.Error(broken is not null
                ? $"DAG '{dagId}' failed to load: {broken.Error}"
                : $"no DAG '{dagId}'. Known DAGs: {string.Join(", ", bag.Dags.Select(d => d.DagId).Order(StringComparer.Ordinal))}.");
        }

        var now = DateTimeOffset.UtcNow;
        var logicalDate = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        if (logicalDateText is not null && !DateTimeOffset.TryParse(logicalDateText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out logicalDate))
        {
            return CliOutput.Error($"--logical-date: '{logicalDateText}' is not an ISO 8601 date or date-time.");
        }

        var confJson = "{}";
        if (confText is not null)
        {
            try
            {
                using var parsed = JsonDocument.Parse(confText);
                if (parsed.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return CliOutput.Error("--conf: must be a JSON object, e.g. '{\"key\": \"value\"}'.");
                }

                confJson = parsed.RootElement.GetRawText();
            }
            catch (JsonException e)
            {
                return CliOutput.Error($"--conf: not valid JSON: {e.Message}");
            }
        }

        var run = new DagRun
        {
            DagId = dag.DagId,
            RunId = DagRun.CreateRunId(DagRunType.Manual, logicalDate),
            RunType = DagRunType.Manual,
            LogicalDate = logicalDate,
            DataIntervalStart = logicalDate,
            DataIntervalEnd = logicalDate,
            QueuedAt = DateTimeOffset.UtcNow,
            Conf = confJson,
        };
        var result = await DagTestRunner.RunAsync(dag, run, cancellationToken: cancellationToken);
        RunPrinter.Print(dag, result.Snapshot, output);
        if (result.Stuck)
        {
            await Console.Error.WriteLineAsync("gale: the run could not finish: nothing is left to run and no timer is pending.");
        }

        return result.Snapshot.Run.State == DagRunState.Success ? CliOutput.Ok : CliOutput.Failed;
    }
}
