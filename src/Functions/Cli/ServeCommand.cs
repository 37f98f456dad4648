using System.CommandLine;
using Gale.Functions.Dags;
using Gale.Functions.Hosting;

namespace Gale.Functions.Cli;

/// <summary><c>gale serve</c>: the local host (API and engine) against Azurite or a real storage account.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port for the API on 127.0.0.1.", DefaultValueFactory = _ => 8080 };
        var storage = new Option<string?>("--storage") { Description = "Storage connection string (default: the AzureWebJobsStorage setting; without one, a local Azurite is started)." };
        var dataDir = new Option<string>("--data-dir") { Description = "Folder for the local Azurite's data when Gale starts one.", DefaultValueFactory = _ => Path.Combine(".gale", "azurite") };
        var dagsFolder = DagDiscovery.FolderOption();
        var concurrency = new Option<int>("--task-concurrency") { Description = "Task attempts this process runs at once.", DefaultValueFactory = _ => 32 };
        var command = new Command("serve", "Run Gale locally: API on 127.0.0.1 against Azurite (started for you) or a real storage account.")
        {
            port, storage, dataDir, dagsFolder, concurrency,
        };
        command.SetAction((result, cancellationToken) => ServeHost.RunAsync(
            new ServeOptions(result.GetValue(port), result.GetValue(storage), result.GetValue(dataDir)!, result.GetValue(dagsFolder)!, result.GetValue(concurrency)),
            cancellationToken));
        return command;
    }
}
