namespace Gale.Host.Hosting;

/// <summary>What <c>gale serve</c> was asked to do.</summary>
/// <param name="Port">Port for the API.</param>
/// <param name="StorageConnectionString">An explicit storage connection string, or null to use settings or a local Azurite.</param>
/// <param name="AzuriteDataDirectory">Where a Gale-started Azurite keeps its data.</param>
/// <param name="DagsFolder">Folder of YAML DAG files.</param>
/// <param name="TaskConcurrency">Task tries this process runs at once.</param>
public sealed record ServeOptions(int Port, string? StorageConnectionString, string AzuriteDataDirectory, string DagsFolder = "dags", int TaskConcurrency = 32)
{
    /// <summary>The address to listen on (default 127.0.0.1). Any other than loopback needs authentication configured.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The folder Gale runs from: <c>.gale/api-key</c> lives here (default: the current directory).</summary>
    public string WorkingFolder { get; init; } = Directory.GetCurrentDirectory();
}
