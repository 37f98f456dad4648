using System.Reflection;
using Gale.Functions;
using Gale.Host.Api;
using Gale.Host.Hosting;
using Gale.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Gale.Host.Tests;

/// <summary>Which host's HTTP side a test talks to.</summary>
public enum HttpHost
{
    /// <summary><c>gale serve</c>'s web application.</summary>
    Serve,

    /// <summary>The Function App's HTTP functions.</summary>
    Functions,
}

/// <summary>
/// The Function App's HTTP functions as the Functions host routes to them (no Functions host runs here): a request
/// goes to the <see cref="WebFunctions"/> method whose <c>[HttpTrigger]</c> route and methods match it, literal
/// routes before catch-alls as the host's routing ranks them, and that function's hand-off to Gale's pipeline
/// (<see cref="GaleWebPipeline"/>) answers it; a path no function declares answers 404. The host's own function-key
/// check in front of the <c>http</c> function is not simulated (the publish test checks its authLevel).
/// </summary>
internal static class FunctionsTestHost
{
    private static readonly IReadOnlyList<FunctionRoute> Routes = typeof(WebFunctions).GetMethods()
        .Select(m => (Function: m.GetCustomAttribute<FunctionAttribute>(), Trigger: m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).SingleOrDefault(t => t is not null)))
        .Where(f => f.Function is not null && f.Trigger is not null)
        .Select(f => new FunctionRoute(f.Function!.Name, new TemplateMatcher(TemplateParser.Parse(f.Trigger!.Route!), []), f.Trigger.Methods!.Select(x => x.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal), f.Trigger.Route!.Contains("{*", StringComparison.Ordinal)))
        .OrderBy(r => r.CatchAll)
        .ToList();

    /// <summary>Builds the app: the worker's services for Gale's pipeline and the Functions host's routing in front of it.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, StorageAccountClient account, ApiContext api)
    {
        GaleWebApp.AddServices(builder.Services, account);
        builder.Services.AddSingleton<GaleWebPipeline>();
        var app = builder.Build();
        app.Run(async context =>
        {
            var route = Routes.FirstOrDefault(r => r.Methods.Contains(context.Request.Method) && r.Matcher.TryMatch(context.Request.Path, []));
            if (route is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            var result = await context.RequestServices.GetRequiredService<GaleWebPipeline>().HandleAsync(context.Request, api);
            await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        });
        return app;
    }

    private sealed record FunctionRoute(string Name, TemplateMatcher Matcher, HashSet<string> Methods, bool CatchAll);
}
