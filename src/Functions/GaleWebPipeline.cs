using Gale.Host.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;

namespace Gale.Functions;

/// <summary>
/// Gale's request pipeline inside the isolated worker. The worker's ASP.NET Core integration routes a request to the
/// HTTP function whose route matched and has no place for an app's own middleware or endpoints, so the function runs
/// the pipeline gale serve uses on the request it was given; the pipeline is built once, on the worker's services.
/// </summary>
public sealed class GaleWebPipeline(IServiceProvider services, GaleFunctionApp app)
{
    private readonly Lock _gate = new();
    private RequestDelegate? _pipeline;

    /// <summary>Runs the request through Gale's pipeline, which writes the response; the function returns nothing more.</summary>
    public async Task<IActionResult> HandleAsync(HttpRequest request, DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = request.HttpContext;

        // The worker matched its own function endpoint; routing inside the pipeline must match Gale's endpoints afresh.
        context.SetEndpoint(null);
        context.Request.RouteValues.Clear();
        await Pipeline(client)(context);
        return new EmptyResult();
    }

    private RequestDelegate Pipeline(DurableTaskClient client)
    {
        lock (_gate)
        {
            if (_pipeline is null)
            {
                var builder = new ApplicationBuilder(services);
                GaleWebApp.Use(builder, app.Bind(client).Api);
                _pipeline = builder.Build();
            }

            return _pipeline;
        }
    }
}
