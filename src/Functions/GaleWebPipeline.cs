using Gale.Host.Api;
using Gale.Host.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Gale.Functions;

/// <summary>
/// Gale's request pipeline inside the isolated worker. The worker's ASP.NET Core integration routes a request to the
/// HTTP function whose route matched and has no place for an app's own middleware or endpoints, so the function runs
/// the pipeline gale serve uses (<see cref="GaleWebApp.Use"/>) on the request it was given. The pipeline is built
/// once, on the worker's services.
/// </summary>
public sealed class GaleWebPipeline(IServiceProvider services)
{
    private readonly Lock _gate = new();
    private (ApiContext Api, RequestDelegate Pipeline)? _built;

    /// <summary>Runs the request through Gale's pipeline for <paramref name="api"/>, which writes the response; the function returns nothing more.</summary>
    public async Task<IActionResult> HandleAsync(HttpRequest request, ApiContext api)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(api);
        var context = request.HttpContext;

        // The worker matched its own function endpoint; routing inside the pipeline must match Gale's endpoints afresh.
        context.SetEndpoint(null);
        context.Request.RouteValues.Clear();
        await Pipeline(api)(context);
        return new EmptyResult();
    }

    private RequestDelegate Pipeline(ApiContext api)
    {
        lock (_gate)
        {
            if (_built is not { } built || !ReferenceEquals(built.Api, api))
            {
                var builder = new ApplicationBuilder(services);
                GaleWebApp.Use(builder, api);
                _built = built = (api, builder.Build());
            }

            return built.Pipeline;
        }
    }
}
