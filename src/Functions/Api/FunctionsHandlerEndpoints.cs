using System.Text.Json;

namespace Gale.Functions.Api;

/// <summary>
/// The Azure Functions custom-handler side of non-HTTP triggers: the host POSTs
/// <c>{"Data": {…}, "Metadata": {…}}</c> to <c>/&lt;function name&gt;</c> and expects
/// <c>{"Outputs": {…}, "Logs": [...], "ReturnValue": …}</c>. HTTP requests are forwarded as they are
/// (<c>enableForwardingHttpRequest</c>), so the REST API needs nothing here.
/// </summary>
internal static class FunctionsHandlerEndpoints
{
    public static void MapFunctionsHandlerEndpoints(this IEndpointRouteBuilder routes, ApiContext ctx)
    {
        // function.json of `scheduler`: a timerTrigger. Each invocation is one scheduler tick.
        routes.MapPost("/scheduler", async (HttpRequest request, CancellationToken ct) =>
        {
            var (payload, error) = await ReadPayloadAsync(request, ct);
            if (error is not null)
            {
                return error;
            }

            if (ctx.Scheduler is null)
            {
                return Problems.Of(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", "this host has no scheduler");
            }

            var before = ctx.Scheduler.RunsCreated;
            await ctx.Scheduler.TickAsync(ct);
            var changes = ctx.Watchers is null ? 0 : await ctx.Watchers.PollDueAsync(ct);
            var late = payload!.Value.TryGetProperty("Data", out var data) && data.TryGetProperty("timer", out var timer) && timer.TryGetProperty("IsPastDue", out var pastDue) && pastDue.ValueKind == JsonValueKind.True;
            return Response([$"scheduler tick: {ctx.Scheduler.RunsCreated - before} runs created across {ctx.Dags.Dags.Count} DAGs, {changes} watcher changes{(late ? " (timer was past due)" : string.Empty)}"]);
        });
    }

    /// <summary>The custom-handler response shape.</summary>
    public static IResult Response(IReadOnlyList<string> logs, object? returnValue = null) =>
        Results.Json(new Dictionary<string, object?> { ["Outputs"] = new Dictionary<string, object>(), ["Logs"] = logs, ["ReturnValue"] = returnValue }, new JsonSerializerOptions());

    private static async Task<(JsonElement? Payload, IResult? Error)> ReadPayloadAsync(HttpRequest request, CancellationToken ct)
    {
        var (body, error) = await ApiBody.ReadObjectAsync(request, ct);
        if (error is not null)
        {
            return (null, error);
        }

        return body!.Value.TryGetProperty("Data", out _) && body.Value.TryGetProperty("Metadata", out _)
            ? (body, null)
            : (null, Problems.BadRequest("body: a custom-handler invocation has Data and Metadata."));
    }
}
