using Gale.Host.Api;
using Gale.Storage;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Gale.Host.Hosting;

/// <summary>Builds Gale's web application (API and web UI) on a given builder, so hosts and tests share one composition.</summary>
public static class GaleWebApp
{
    /// <summary>Where the web UI is served from.</summary>
    public const string UiPath = "/ui";

    /// <summary>The web UI's static files: <c>wwwroot/ui</c> beside the gale executable (whatever the working directory is).</summary>
    public static string UiRoot { get; } = Path.Combine(AppContext.BaseDirectory, "wwwroot", "ui");

    /// <summary>Registers Gale's services for <paramref name="account"/> and maps its endpoints; the REST API needs <paramref name="api"/>.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, StorageAccountClient account, ApiContext? api = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        AddServices(builder.Services, account);
        var app = builder.Build();
        Use(app, api);
        return app;
    }

    /// <summary>The services Gale's pipeline (<see cref="Use"/>) needs: the storage account, routing and the API's JSON casing.</summary>
    public static IServiceCollection AddServices(IServiceCollection services, StorageAccountClient account)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(account);
        services.AddRouting();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
        return services;
    }

    /// <summary>
    /// Gale's request pipeline (the UI's files, health, and the REST API when <paramref name="api"/> is given) on an
    /// application whose services went through <see cref="AddServices"/>: gale serve's web application, or the pipeline
    /// the Function App's HTTP function hands each request to.
    /// </summary>
    public static void Use(IApplicationBuilder app, ApiContext? api)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRawPathGuard();
        UseUiFiles(app);

        // Routing after the static files: they answer first, so the /ui catch-all only sees what is not a file.
        app.UseRouting();
        app.UseEndpoints(routes => Map(routes, api));
    }

    private static void Map(IEndpointRouteBuilder app, ApiContext? api)
    {
        MapUi(app);
        app.MapHealthEndpoints();
        if (api is null)
        {
            return;
        }

        var v1 = app.MapGroup("/api/v1").RequireAuth(api);
        v1.MapDagEndpoints(api);
        v1.MapDagDetailEndpoints(api);
        v1.MapDagSourceEndpoints(api);
        v1.MapDagRunEndpoints(api);
        v1.MapTaskInstanceEndpoints(api);
        v1.MapTaskTryEndpoints(api);
        v1.MapResourceEndpoints(api);
        v1.MapAssetEndpoints(api);
        v1.MapWatcherEndpoints(api);
    }

    // The UI is public static files (the API behind it asks for credentials): / and /ui redirect to /ui/, which serves
    // index.html; every file is revalidated on each use (no-cache, with ETag/Last-Modified), so an upgrade shows at once.
    private static void UseUiFiles(IApplicationBuilder app)
    {
        if (Directory.Exists(UiRoot))
        {
            var files = new PhysicalFileProvider(UiRoot);
            var types = new FileExtensionContentTypeProvider();
            types.Mappings[".html"] = "text/html; charset=utf-8";
            types.Mappings[".js"] = "text/javascript; charset=utf-8";
            types.Mappings[".css"] = "text/css; charset=utf-8";
            types.Mappings[".svg"] = "image/svg+xml";
            app.UseDefaultFiles(new DefaultFilesOptions { RequestPath = UiPath, FileProvider = files, DefaultFileNames = ["index.html"] });
            app.UseStaticFiles(new StaticFileOptions
            {
                RequestPath = UiPath,
                FileProvider = files,
                ContentTypeProvider = types,
                ServeUnknownFileTypes = false,
                OnPrepareResponse = c =>
                {
                    var headers = c.Context.Response.Headers;
                    headers.CacheControl = "no-cache";
                    headers.XContentTypeOptions = "nosniff";
                    if (c.File.Name.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
                    {
                        // Nothing from elsewhere: the UI is this folder and the API beside it.
                        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
                    }
                },
            });
        }
    }

    private static void MapUi(IEndpointRouteBuilder app)
    {
        app.MapMethods("/", [HttpMethods.Get, HttpMethods.Head], () => Results.Redirect(UiPath + "/"));
        app.MapMethods(UiPath, [HttpMethods.Get, HttpMethods.Head], () => Results.Redirect(UiPath + "/"));

        // Anything under /ui/ that is not a file: 404 (a hash router needs no fallback to index.html).
        app.MapMethods(UiPath + "/{**path}", [HttpMethods.Get, HttpMethods.Head], (string? path) =>
            Directory.Exists(UiRoot)
                ? Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found", detail: $"The web UI has no file '{path}'.")
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found", detail: $"The web UI's files are missing: {UiRoot} does not exist."));
    }
}
