using System.CommandLine;

namespace Gale.Host.Cli;

/// <summary>The <c>gale</c> command line: one executable for the local host (<c>gale serve</c>) and the CLI.</summary>
public static class GaleCli
{
    /// <summary>Parses and runs a command line; parse errors exit with 2.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = Build().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"gale: {error.Message}");
            }

            await Console.Error.WriteLineAsync("Run 'gale --help' for usage.");
            return CliOutput.UsageError;
        }

        // Ctrl+C or SIGTERM cancels the command; gale serve then stops gracefully (running tries get up to 8 s), so
        // the process is given longer than System.CommandLine's default of 2 s before it exits with 130.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand Build() => new("Gale: Airflow-style DAG orchestration on Azure Storage and Azure Functions.")
    {
        Remote.ApiTarget.Url,
        ServeCommand.Create(),
        new Command("dags", "Work with DAGs.")
        {
            DagsListCommands.List(), DagsListCommands.ListImportErrors(), DagsShowCommand.Create(), DagsTestCommand.Create(), DagsTriggerCommand.Create(), DagsNextExecutionCommand.Create(), DagsPauseCommands.Pause(), DagsPauseCommands.Unpause(), DagsBackfillCommand.Create(),
        },
        new Command("tasks", "Work with task instances.") { TasksTestCommand.Create(), TasksClearCommand.Create(), TasksLogsCommand.Create(), TasksRenderCommand.Create(), RunsCommands.Show("states", "The states of a run's task instances (Airflow's tasks states-for-dag-run).") },
        new Command("runs", "Work with DAG runs.") { RunsCommands.List(), RunsCommands.Show("show", "Show a run and its task instances."), RunsEventCommand.Create() },
        AssetsCommands.Create(),
        WatchersCommands.Create(),
        VariablesCommands.Create(),
        PoolsCommands.Create(),
    };
}
