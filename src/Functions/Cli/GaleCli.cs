using System.CommandLine;

namespace Gale.Functions.Cli;

/// <summary>The <c>gale</c> command line: one executable for the local host, the Functions custom handler and the CLI.</summary>
public static class GaleCli
{
    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand Build() => new("Gale: Airflow-style DAG orchestration on Azure Storage and Azure Functions.")
    {
        ServeCommand.Create(),
    };
}
