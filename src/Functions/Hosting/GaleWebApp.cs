using Gale.Functions.Api;
using Gale.Storage;

namespace Gale.Functions.Hosting;

/// <summary>Builds Gale's web application (API, later the UI) on a given builder, so hosts and tests share one composition.</summary>
public static class GaleWebApp
{
    /// <summary>Registers Gale's services for <paramref name="account"/> and maps its endpoints.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, StorageAccountClient account)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.AddSingleton(account);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
        var app = builder.Build();
        app.MapHealthEndpoints();
        return app;
    }
}
