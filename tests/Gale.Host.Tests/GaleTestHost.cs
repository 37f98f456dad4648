using Gale.Host.Hosting;
using Gale.Storage;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gale.Host.Tests;

/// <summary>Gale's web app on an in-process test server, composed exactly as <c>gale serve</c> composes it.</summary>
internal static class GaleTestHost
{
    /// <summary>
    /// Starts the app; <paramref name="owned"/> (the task hub behind <paramref name="api"/>) is disposed with it. With
    /// <paramref name="host"/> <see cref="HttpHost.Functions"/> the requests go through the Function App's HTTP
    /// functions instead (<see cref="FunctionsTestHost"/>).
    /// </summary>
    public static async Task<(WebApplication App, HttpClient Client)> StartAsync(StorageAccountClient account, Gale.Host.Api.ApiContext? api = null, IAsyncDisposable? owned = null, HttpHost host = HttpHost.Serve)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        if (owned is not null)
        {
            Own(builder, owned);
        }

        var app = host == HttpHost.Functions
            ? FunctionsTestHost.Build(builder, account, api ?? Unused(account))
            : GaleWebApp.Build(builder, account, api);
        await app.StartAsync();
        return (app, app.GetTestClient());
    }

    // The Function App binds every request to an API context: for tests of the open endpoints (health, version), one
    // whose runs live in an in-process hub that nothing uses.
    private static Gale.Host.Api.ApiContext Unused(StorageAccountClient account)
    {
        var dags = new Gale.Engine.DagBag([]);
        var runs = new Gale.Orchestration.InProcess.VirtualTimeTaskHub(dags, new Gale.Engine.TaskServices(), new Gale.InMemory.SkippingTimeProvider()).Runs;
        return new Gale.Host.Api.ApiContext(account, dags, runs, runs, new Gale.InMemory.InMemoryDagStateStore(), Gale.Host.Api.ApiKeys.Parse(null));
    }

    /// <summary>Disposes <paramref name="owned"/> with the app <paramref name="builder"/> builds.</summary>
    public static void Own(WebApplicationBuilder builder, IAsyncDisposable owned) =>
        builder.Services.AddSingleton<IHostedService>(_ => new Owned(owned)); // created by the container, so disposed by it

    private sealed class Owned(IAsyncDisposable resource) : IHostedService, IAsyncDisposable
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => resource.DisposeAsync();
    }
}
