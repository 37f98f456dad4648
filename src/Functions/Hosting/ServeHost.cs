using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Gale.Storage;
using Gale.Storage.Local;

namespace Gale.Functions.Hosting;

/// <summary>Runs <c>gale serve</c>: resolves storage (starting Azurite when none is configured), provisions it, serves the API.</summary>
internal static partial class ServeHost
{
    public static async Task<int> RunAsync(ServeOptions options, CancellationToken cancellationToken)
    {
        var settings = LoadLocalSettings();
        string Setting(string key) => Environment.GetEnvironmentVariable(key) ?? settings.GetValueOrDefault(key)!;

        AzuriteServer? azurite = null;
        StorageConnection connection;
        string description;
        try
        {
            var configured = StorageSource.Resolve(options.StorageConnectionString, Setting);
            if (configured is not null)
            {
                connection = configured;
                description = $"storage account '{connection.AccountName}' ({connection.TableEndpoint?.Host})";
            }
            else if (await DefaultAzuriteIsRunningAsync())
            {
                connection = StorageConnection.Development();
                description = "the Azurite already running on 127.0.0.1:10000-10002";
            }
            else
            {
                Console.WriteLine($"No storage configured ({StorageSource.SettingName}); starting Azurite with data in {Path.GetFullPath(options.AzuriteDataDirectory)}");
                azurite = await AzuriteServer.StartAsync(
                    new AzuriteOptions { Location = Path.GetFullPath(options.AzuriteDataDirectory), BlobPort = 10000, QueuePort = 10001, TablePort = 10002, Log = Console.WriteLine },
                    cancellationToken);
                connection = azurite.Connection;
                description = $"local Azurite on 127.0.0.1:{azurite.BlobPort}-{azurite.TablePort}";
            }
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or IOException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"gale serve: {e.Message}");
            return 2;
        }

        try
        {
            var account = new StorageAccountClient(connection);
            await GaleStorageLayout.EnsureCreatedAsync(account, cancellationToken);
            var builder = WebApplication.CreateBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{options.Port}");
            var app = GaleWebApp.Build(builder, account);
            await app.StartAsync(cancellationToken);
            Console.WriteLine($"Gale is running: API http://127.0.0.1:{options.Port}/api/v1/health, storage: {description}. Press Ctrl+C to stop.");
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        }
        catch (StorageException e)
        {
            await Console.Error.WriteLineAsync($"gale serve: cannot use {description}: {e.Message}");
            return 1;
        }
        finally
        {
            if (azurite is not null)
            {
                await azurite.DisposeAsync();
            }
        }
    }

    /// <summary>Reads the Values of a Functions-style local.settings.json in the current directory, if there is one.</summary>
    private static Dictionary<string, string> LoadLocalSettings()
    {
        const string file = "local.settings.json";
        if (!File.Exists(file))
        {
            return [];
        }

        using var json = JsonDocument.Parse(File.ReadAllText(file));
        return json.RootElement.TryGetProperty("Values", out var values)
            ? values.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : [];
    }

    private static async Task<bool> DefaultAzuriteIsRunningAsync()
    {
        foreach (var port in new[] { 10000, 10001, 10002 })
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
            }
            catch (SocketException)
            {
                return false;
            }
        }

        return true;
    }
}
