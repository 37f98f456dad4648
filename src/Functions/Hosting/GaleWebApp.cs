using Gale.Functions.Api;
using Gale.Storage;

namespace Gale.Functions.Hosting;

/// <summary>Builds Gale's web application (API, later the UI) on a given builder, so hosts and tests share one composition.</summary>
public static class GaleWebApp
{
    /// <summary>Registers Gale's services for <paramref name="account"/> and maps its endpoints; the REST API needs <paramref name="api"/>.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, StorageAccountClient account, ApiContext? api = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.AddSingleton(account);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
        var app = builder.Build();
        app.MapHealthEndpoints();
        if (api is not null)
        {
            var v1 = app.MapGroup("/api/v1").RequireAuth(api);
            v1.MapDagEndpoints(api);
            v1.MapDagRunEndpoints(api);
            v1.MapTaskInstanceEndpoints(api);
            v1.MapResourceEndpoints(api);
            v1.MapAssetEndpoints(api);
            v1.MapWatcherEndpoints(api);
            v1.MapPoisonEndpoints(api);
            if (api.FunctionsHandler)
            {
                app.MapFunctionsHandlerEndpoints(api);
                app.MapWatcherFunctionEndpoints(api);
                app.MapQueueTriggerEndpoints(api);
            }
        }

        return app;
    }
}
