using Gale.Engine;
using Gale.Host.Api;
using Gale.Host.Api.Auth;
using Gale.Host.Dags;
using Gale.Storage;
using Gale.Storage.Engine;
using Gale.Storage.Local;

namespace Gale.Host.Hosting;

/// <summary>Runs <c>gale serve</c>: resolves storage (starting Azurite when none is configured), provisions it, serves the API.</summary>
internal static partial class ServeHost
{
    public static async Task<int> RunAsync(ServeOptions options, CancellationToken cancellationToken)
    {
        AzuriteServer? azurite = null;
        StorageConnection connection;
        string description;
        try
        {
            var configured = StorageSource.Resolve(options.StorageConnectionString, LocalSettings.Get);
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
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            var dags = await DagLibrary.LoadAsync(options.DagsFolder, account.GetBlobContainerClient("dags"), loggers.CreateLogger("gale.dags"), cancellationToken);
            foreach (var error in dags.ImportErrors)
            {
                await Console.Error.WriteLineAsync($"DAG import error in {error.Source}: {error.Error}");
            }

            TaskServices services;
            ApiKeys keys;
            ApiAuthSettings auth;
            TimeSpan dagRefresh;
            GaleOpenTelemetry? telemetry;
            try
            {
                dagRefresh = GaleSettings.Seconds(LocalSettings.Get, GaleSettings.DagRefreshSeconds, GaleSettings.DefaultDagRefresh);
                services = StorageEngine.Services(account, LocalSettings.Get, LocalSettings.All);
                keys = ApiKeys.Parse(LocalSettings.Get(ApiKeys.SettingName));
                auth = ApiAuthSettings.FromSettings(LocalSettings.Get, TimeProvider.System, logger: loggers.CreateLogger("gale.auth"));
                telemetry = GaleOpenTelemetry.Start(LocalSettings.Get, $"{Environment.MachineName}-{Environment.ProcessId}");
            }
            catch (FormatException e)
            {
                await Console.Error.WriteLineAsync($"gale serve: {e.Message}");
                return 2;
            }

            string? firstRunKey = null;
            if (!keys.Any && auth.Entra is null)
            {
                if (!FirstRunKey.IsLoopback(options.Host))
                {
                    await Console.Error.WriteLineAsync($"gale serve: refusing to listen on {options.Host} with no authentication configured: set {ApiKeys.SettingName} (KEY:admin) or GALE_AUTH_TENANT_ID and GALE_AUTH_AUDIENCE, or listen on 127.0.0.1.");
                    return 2;
                }

                bool created;
                try
                {
                    (firstRunKey, created) = FirstRunKey.GetOrCreate(options.WorkingFolder);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"gale serve: cannot keep an API key in {Path.Combine(options.WorkingFolder, FirstRunKey.RelativePath)}: {e.Message}. Set {ApiKeys.SettingName} instead.");
                    return 2;
                }

                keys = keys.With(firstRunKey, ApiRole.Admin);
                Console.WriteLine(created
                    ? $"No API authentication configured: created an admin API key in {FirstRunKey.RelativePath} (owner-only on Linux and macOS)."
                    : $"No API authentication configured: using the admin API key in {FirstRunKey.RelativePath}.");
            }

            // Disposed after the runtime (declared before it): the spans of tries that end at shutdown are flushed.
            using var exporting = telemetry;
            var schedulerOptions = new Gale.Scheduling.SchedulerOptions { Interval = TimeSpan.FromSeconds(2) };
            await using var runtime = await ServeRuntime.CreateAsync(account, dags, options.TaskConcurrency, services, schedulerOptions, loggers);
            var builder = WebApplication.CreateBuilder();
            var listen = FirstRunKey.Unbracketed(options.Host);
            var authority = listen.Contains(':', StringComparison.Ordinal) ? $"[{listen}]" : listen;
            builder.WebHost.UseUrls($"http://{authority}:{options.Port}");
            var app = GaleWebApp.Build(builder, account, new ApiContext(account, dags, runtime.Runs, runtime.Reader, StorageEngine.DagStateStore(account), keys) { Services = services, Scheduler = runtime.Scheduler, Watchers = runtime.Watchers, Auth = auth });
            runtime.Start();
            using var stopRefresh = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var refresh = dags.RunAsync(dagRefresh, TimeProvider.System, stopRefresh.Token);
            await app.StartAsync(cancellationToken);
            if (telemetry is not null)
            {
                Console.WriteLine(telemetry.Settings);
            }

            var url = $"http://{(FirstRunKey.IsLoopback(listen) ? "127.0.0.1" : authority)}:{options.Port}";
            Console.WriteLine($"Gale is running: {dags.Dags.Count} DAGs ({string.Join(", ", dags.Dags.Select(d => d.DagId))}), UI {url}/ui/, API {url}/api/v1 ({auth.Describe(keys)}; health is open), storage: {description}, runs on the {runtime.Description}. Press Ctrl+C to stop.");
            if (firstRunKey is not null)
            {
                Console.WriteLine($"UI: {url}/ui/#key={firstRunKey}");
                Console.WriteLine($"GALE_API_KEY={firstRunKey}");
            }
            await app.WaitForShutdownAsync(cancellationToken);
            await stopRefresh.CancelAsync();
            await refresh;
            Console.WriteLine("Stopping: task tries running now get up to 8 s to finish; a longer one runs again on the next host…");
            await runtime.StopAsync();
            return 0;
        }
        catch (Azure.RequestFailedException e)
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

    private static async Task<bool> DefaultAzuriteIsRunningAsync() =>
        await AzuriteServer.IsListeningAsync(10000) && await AzuriteServer.IsListeningAsync(10001) && await AzuriteServer.IsListeningAsync(10002);
}
