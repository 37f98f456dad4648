using Gale.Functions.Hosting;
using Gale.Storage;
using Microsoft.AspNetCore.TestHost;

namespace Gale.Functions.Tests;

/// <summary>Gale's web app on an in-process test server, composed exactly as <c>gale serve</c> composes it.</summary>
internal static class GaleTestHost
{
    public static async Task<(WebApplication App, HttpClient Client)> StartAsync(StorageAccountClient account, Gale.Functions.Api.ApiContext? api = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        var app = GaleWebApp.Build(builder, account, api);
        await app.StartAsync();
        return (app, app.GetTestClient());
    }
}
