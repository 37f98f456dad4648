using System.CommandLine;
using Gale.Functions.Hosting;
using Gale.Storage;

namespace Gale.Functions.Cli;

/// <summary>How CLI commands that work directly against storage find the account.</summary>
internal static class StorageOptions
{
    public static Option<string?> Create() => new("--storage")
    {
        Description = "Storage connection string (default: the AzureWebJobsStorage setting, else the local Azurite that `gale serve` starts).",
    };

    public static StorageAccountClient Resolve(string? connectionString)
    {
        var connection = StorageSource.Resolve(connectionString, LocalSettings.Get) ?? StorageConnection.Development();
        return new StorageAccountClient(connection);
    }
}
