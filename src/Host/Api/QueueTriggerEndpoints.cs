using Gale.Engine;
using Gale.Storage.Engine;

namespace Gale.Host.Api;

/// <summary>
/// The <c>tasks</c> and <c>control</c> functions (queueTrigger on Gale's queues): one message per invocation. A
/// processed message answers 200 and the host deletes it; a message left for later answers 500, so the host makes
/// it visible again and, after <c>maxDequeueCount</c> deliveries, moves it to <c>&lt;queue&gt;-poison</c>.
/// </summary>
internal static class QueueTriggerEndpoints
{
    /// <summary>The binding name of the queue message in both function.json files.</summary>
    public const string Binding = "message";

    public static void MapQueueTriggerEndpoints(this IEndpointRouteBuilder routes, ApiContext ctx)
    {
        routes.MapPost("/tasks", (HttpRequest request, CancellationToken ct) => HandleAsync(request, ctx, "tasks", (host, message) => host.RunHostedAttemptAsync(message, ct), ct));
        routes.MapPost("/control", (HttpRequest request, CancellationToken ct) => HandleAsync(request, ctx, "control", (host, message) => host.ApplyHostedControlAsync(message, ct), ct));
    }

    private static async Task<IResult> HandleAsync(HttpRequest request, ApiContext ctx, string queue, Func<EngineHost, QueueMessageHandle, Task<HostedOutcome>> process, CancellationToken ct)
    {
        var (payload, error) = await FunctionsHandlerEndpoints.ReadPayloadAsync(request, ct);
        if (error is not null)
        {
            return error;
        }

        if (ctx.QueueHost is not { Engine.Options.HostOwnsQueues: true } host)
        {
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", "this host polls its own queues");
        }

        var (message, problem) = QueueTriggerPayload.Read(payload!.Value, Binding);
        if (message is null)
        {
            return Problems.BadRequest(problem!);
        }

        var (body, notDueFor) = StorageMessageQueue.Open(message.Body, host.Engine.Clock.GetUtcNow());
        if (notDueFor > TimeSpan.Zero)
        {
            // A delay past the queue's 7-day limit: send the next leg and let the host delete this one.
            await (queue == "tasks" ? host.HostedTasks! : host.HostedControl!).SendAsync(body, notDueFor, ct);
            return FunctionsHandlerEndpoints.Response([$"{queue} message {message.MessageId} is due in {notDueFor}; sent again for the next leg"]);
        }

        var outcome = await process(host, message with { Body = body });
        return outcome == HostedOutcome.Completed
            ? FunctionsHandlerEndpoints.Response([$"{queue} message {message.MessageId} processed (delivery {message.DequeueCount})"])
            : FunctionsHandlerEndpoints.Response([$"{queue} message {message.MessageId} left for another delivery (delivery {message.DequeueCount}); the host retries it, then moves it to {queue}-poison"], statusCode: StatusCodes.Status500InternalServerError);
    }
}
