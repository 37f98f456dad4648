using System.CommandLine;
using Gale.Host.Dags;
using Gale.Host.Hosting;

namespace Gale.Host.Cli;

/// <summary><c>gale serve</c>: the local host (API, UI, scheduler and task hub worker) against Azurite or a real storage account.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port for the API and UI.", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "Address to listen on. Anything but loopback needs GALE_API_KEYS or Entra ID settings; on loopback without them Gale makes an admin key in .gale/api-key.", DefaultValueFactory = _ => "127.0.0.1" };
        var storage = new Option<string?>("--storage") { Description = "Storage connection string (default: the AzureWebJobsStorage setting; without one, a local Azurite is started)." };
        var dataDir = new Option<string>("--data-dir") { Description = "Folder for the local Azurite's data when Gale starts one.", DefaultValueFactory = _ => Path.Combine(".gale", "azurite") };
        var dagsFolder = DagDiscovery.FolderOption();
        var concurrency = new Option<int>("--task-concurrency") { Description = "Task tries this process runs at once.", DefaultValueFactory = _ => 32 };
        var command = new Command("serve", "Run Gale locally: API on 127.0.0.1 against Azurite (started for you) or a real storage account.")
        {
            port, host, storage, dataDir, dagsFolder, concurrency,
        };
        command.SetAction(async (result, cancellationToken) =>
            await ServeHost.RunAsync(
                new ServeOptions(result.GetValue(port), result.GetValue(storage), result.GetValue(dataDir)!, result.GetValue(dagsFolder)!, result.GetValue(concurrency)) { Host = result.GetValue(host)! },
                cancellationToken));
        return command;
    }
}
