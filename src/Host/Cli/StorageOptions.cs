using System.CommandLine;
using Gale.Host.Hosting;
using Gale.Storage;

namespace Gale.Host.Cli;

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

    /// <summary>Runs <paramref name="action"/> against the account; a malformed connection string exits 2, unreachable storage exits 1, both with a message.</summary>
    public static async Task<int> RunAsync(string? connectionString, Func<StorageAccountClient, Task<int>> action)
    {
        StorageAccountClient account;
        try
        {
            account = Resolve(connectionString);
        }
        catch (FormatException e)
        {
            return CliOutput.Error(e.Message);
        }

        try
        {
            return await action(account);
        }
        catch (Azure.RequestFailedException e)
        {
            await Console.Error.WriteLineAsync($"gale: storage is not reachable ({e.Status} {e.ErrorCode}): {e.Message}. Is `gale serve` running?");
            return CliOutput.Failed;
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"gale: storage is not reachable: {e.Message}. Is `gale serve` running?");
            return CliOutput.Failed;
        }
    }
}
