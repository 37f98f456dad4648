using System.Text.Json;

namespace Gale.Host.Api;

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
        // function.json of `scheduler`: a timerTrigger. Each invocation is one scheduler tick, a watcher poll and, every
        // sweep interval, the sweep that gale serve runs in the background (a Functions app has no background work).
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
            var swept = ctx.QueueHost is { Engine.Options.HostOwnsQueues: true } host && await host.SweepIfDueAsync(ct);
            var late = payload!.Value.TryGetProperty("Data", out var data) && data.TryGetProperty("timer", out var timer) && timer.TryGetProperty("IsPastDue", out var pastDue) && pastDue.ValueKind == JsonValueKind.True;
            return Response([$"scheduler tick: {ctx.Scheduler.RunsCreated - before} runs created across {ctx.Dags.Dags.Count} DAGs, {changes} watcher changes{(swept ? ", runs swept" : string.Empty)}{(late ? " (timer was past due)" : string.Empty)}"]);
        });
    }

    /// <summary>
    /// The <c>eventhub</c> function (eventHubTrigger, cardinality many) feeds its batch to the Event Hubs watchers of
    /// the hub named by <c>GALE_EVENTHUB_NAME</c>; the <c>blobs</c> function (blobTrigger, EventGrid source) wakes the
    /// blob watchers of the blob's container, which list and emit exactly once as when they poll.
    /// </summary>
    public static void MapWatcherFunctionEndpoints(this IEndpointRouteBuilder routes, ApiContext ctx)
    {
        routes.MapPost("/eventhub", async (HttpRequest request, CancellationToken ct) =>
        {
            var (payload, error) = await ReadPayloadAsync(request, ct);
            if (error is not null)
            {
                return error;
            }

            if (ctx.Watchers is null)
            {
                return Problems.Of(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", "this host runs no watchers");
            }

            var (batch, problem) = EventHubPayload.Read(payload!.Value);
            if (batch is null)
            {
                return Problems.BadRequest(problem!);
            }

            var hub = ctx.Services.Settings("GALE_EVENTHUB_NAME");
            var logs = new List<string>();
            foreach (var watcher in ctx.Watchers.Watchers.OfType<Gale.Assets.Watchers.EventHubWatcher>().Where(w => hub is null || string.Equals(w.EventHub, hub, StringComparison.OrdinalIgnoreCase)))
            {
                var cycle = await watcher.HandleBatchAsync(ctx.Watchers.Runner, batch, ct);
                logs.Add($"watcher {watcher.Name}: {batch.Count} events, {cycle.Changes} after the watermark, {cycle.NewEvents} new asset events");
            }

            return Response(logs.Count > 0 ? logs : [$"no Event Hubs watcher for hub '{hub}'; {batch.Count} events ignored"]);
        });

        routes.MapPost("/blobs", async (HttpRequest request, CancellationToken ct) =>
        {
            var (payload, error) = await ReadPayloadAsync(request, ct);
            if (error is not null)
            {
                return error;
            }

            if (ctx.Watchers is null)
            {
                return Problems.Of(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", "this host runs no watchers");
            }

            var path = payload!.Value.GetProperty("Metadata").TryGetProperty("BlobTrigger", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            if (path is null || path.IndexOf('/', StringComparison.Ordinal) is <= 0)
            {
                return Problems.BadRequest("Metadata.BlobTrigger: the blob's path (container/name) is required");
            }

            var container = path[..path.IndexOf('/', StringComparison.Ordinal)];
            var name = path[(container.Length + 1)..];
            var logs = new List<string>();
            foreach (var watcher in ctx.Watchers.Watchers.OfType<Gale.Assets.Watchers.BlobWatcher>().Where(w => w.Container == container && name.StartsWith(w.Prefix, StringComparison.Ordinal)))
            {
                var cycle = await ctx.Watchers.Runner.PollOnceAsync(watcher, ct);
                logs.Add($"watcher {watcher.Name}: {cycle.Changes} changes, {cycle.NewEvents} new asset events");
            }

            return Response(logs.Count > 0 ? logs : [$"no blob watcher for {path}"]);
        });
    }

    /// <summary>The custom-handler response shape; a status other than 200 tells the host the invocation failed.</summary>
    public static IResult Response(IReadOnlyList<string> logs, object? returnValue = null, int statusCode = StatusCodes.Status200OK) =>
        Results.Json(new Dictionary<string, object?> { ["Outputs"] = new Dictionary<string, object>(), ["Logs"] = logs, ["ReturnValue"] = returnValue }, new JsonSerializerOptions(), statusCode: statusCode);

    /// <summary>Reads a custom-handler invocation body: a JSON object with Data and Metadata.</summary>
    public static async Task<(JsonElement? Payload, IResult? Error)> ReadPayloadAsync(HttpRequest request, CancellationToken ct)
    {
        var (body, error) = await ApiBody.ReadObjectAsync(request, ct);
        if (error is not null)
        {
            return (null, error);
        }

        if (!body!.Value.TryGetProperty("Data", out var data) || !body.Value.TryGetProperty("Metadata", out var metadata))
        {
            return (null, Problems.BadRequest("body: a custom-handler invocation has Data and Metadata."));
        }

        // Every reader below looks into both: anything but objects is the caller's fault (400), not a crash the host retries.
        return data.ValueKind != JsonValueKind.Object ? (null, Problems.BadRequest("Data: must be a JSON object (the trigger's bindings)."))
            : metadata.ValueKind != JsonValueKind.Object ? (null, Problems.BadRequest("Metadata: must be a JSON object (the trigger's metadata)."))
            : (body, null);
    }
}
