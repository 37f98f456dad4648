using Gale.Engine;
using Gale.Functions.Api;
using Gale.Functions.Dags;
using Gale.Functions.Hosting;
using Gale.Storage;
using Gale.Storage.Engine;
using Microsoft.AspNetCore.Hosting;

namespace Gale.Functions.Tests.Cli;

/// <summary>
/// Gale's REST API on a real loopback port (Kestrel), composed as <c>gale serve</c> composes it, on the Azurite
/// fixture's account, with the DAGs <c>gale</c> loads from <paramref name="DagsFolder"/> (and the dags container): what
/// <c>gale --api URL</c> talks to in CLI tests.
/// </summary>
internal sealed record LoopbackApi(WebApplication App, string Url, string DagsFolder) : IAsyncDisposable
{
    public const string AdminKey = "cli-admin-key-0123456789";
    public const string ReadKey = "cli-read-key-0123456789";

    public static async Task<LoopbackApi> StartAsync(AzuriteFixture azurite, string dagsFolder)
    {
        var account = azurite.Account;
        await GaleStorageLayout.EnsureCreatedAsync(account);
        var (dags, _) = DagDiscovery.LoadAll(dagsFolder, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags")));
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var engine = new RunEngine(runs, dags, new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), new StorageMessageQueue(await azurite.NewQueueAsync(), TimeProvider.System), TimeProvider.System, new EngineOptions { RunReadyTasksLocally = false });
        var api = new ApiContext(account, dags, engine, runs, new TableDagStateStore(await azurite.NewTableAsync()), ApiKeys.Parse($"{AdminKey}:admin,{ReadKey}:read")) { Services = StorageEngine.Services(account) };
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = GaleWebApp.Build(builder, account, api);
        await app.StartAsync();
        return new LoopbackApi(app, app.Urls.Single(), dagsFolder);
    }

    public ValueTask DisposeAsync() => App.DisposeAsync();
}
