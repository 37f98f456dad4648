using Gale.Host.Dags;
using Gale.Host.Hosting;
using Gale.Storage;
using Gale.Storage.Engine;
using Microsoft.AspNetCore.Hosting;

namespace Gale.Host.Tests.Cli;

/// <summary>
/// Gale's REST API on a real loopback port (Kestrel), composed as <c>gale serve</c> composes it, on the Azurite
/// fixture's account, with the DAGs <c>gale</c> loads from <paramref name="DagsFolder"/> (and the dags container): what
/// <c>gale --api URL</c> talks to in CLI tests. With <see cref="HttpHost.Functions"/> the requests go through the
/// Function App's HTTP functions (<see cref="FunctionsTestHost"/>).
/// </summary>
internal sealed record LoopbackApi(WebApplication App, string Url, string DagsFolder, IAsyncDisposable Hub) : IAsyncDisposable
{
    public const string AdminKey = "cli-admin-key-0123456789";
    public const string ReadKey = "cli-read-key-0123456789";

    public static async Task<LoopbackApi> StartAsync(AzuriteFixture azurite, string dagsFolder, HttpHost host = HttpHost.Serve)
    {
        var account = azurite.Account;
        await GaleStorageLayout.EnsureCreatedAsync(account);
        var (dags, _) = DagDiscovery.LoadAll(dagsFolder, await BlobDagSource.LoadAsync(account.GetBlobContainerClient("dags")));
        var (api, hub) = await Api.ApiTestKit.ContextAsync(azurite, dags, $"{AdminKey}:admin,{ReadKey}:read", StorageEngine.Services(account));
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = host == HttpHost.Functions ? FunctionsTestHost.Build(builder, account, api) : GaleWebApp.Build(builder, account, api);
        await app.StartAsync();
        return new LoopbackApi(app, app.Urls.Single(), dagsFolder, hub);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Hub.DisposeAsync();
    }
}
