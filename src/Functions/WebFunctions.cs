using Gale.Host.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace Gale.Functions;

/// <summary>
/// The REST API, health and the web UI: each HTTP function hands its request to Gale's request pipeline
/// (<see cref="GaleWebApp.Use"/>), the one gale serve runs, which writes the response itself. The API function asks
/// the host for a function key (authLevel function); health and the UI are anonymous.
/// </summary>
public sealed class WebFunctions(GaleWebPipeline pipeline, GaleFunctionApp app)
{
    /// <summary>Every <c>/api/…</c> path but health: the REST API behind function keys, API keys or Entra ID.</summary>
    [Function("http")]
    public Task<IActionResult> Api(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", "patch", "put", "delete", "head", Route = "api/{*path}")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => pipeline.HandleAsync(request, app.Bind(client).Api);

    /// <summary><c>/api/v1/health</c>, open as on gale serve.</summary>
    [Function("health")]
    public Task<IActionResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "api/v1/health")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => pipeline.HandleAsync(request, app.Bind(client).Api);

    /// <summary>The web UI's files under <c>/ui/</c> (static, anonymous: the API behind them asks for credentials).</summary>
    [Function("ui")]
    public Task<IActionResult> Ui(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "ui/{*path}")] HttpRequest request,
        [DurableClient] DurableTaskClient client) => pipeline.HandleAsync(request, app.Bind(client).Api);
}
