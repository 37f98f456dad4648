using Microsoft.AspNetCore.Http.Features;

namespace Gale.Host.Hosting;

/// <summary>
/// Refuses request paths whose raw form hides dot segments or backslashes (<c>%2e</c>, <c>%5c</c>, <c>\</c>, or a
/// <c>%25</c> that would decode to one). On Azure Functions the host picks a function on one decoding of the path and
/// forwards it; such a path could decode here to a different route than the one the host matched, e.g. reach
/// <c>/api/v1</c> through the anonymous <c>ui</c> function. No Gale route needs any of them.
/// </summary>
internal static class RawPathGuard
{
    private static readonly string[] Hidden = ["%2e", "%5c", "%25", "\\"];

    /// <summary>True when the raw request target's path (before any '?') may decode to something other than it shows.</summary>
    public static bool IsSuspicious(string rawTarget)
    {
        ArgumentNullException.ThrowIfNull(rawTarget);
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? rawTarget : rawTarget[..query];
        return Hidden.Any(h => path.Contains(h, StringComparison.OrdinalIgnoreCase))
            || path.Split('/').Any(segment => segment is "." or "..");
    }

    /// <summary>Answers 400 (problem JSON) to a suspicious path before any routing, static file or auth sees it.</summary>
    public static IApplicationBuilder UseRawPathGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw) && IsSuspicious(raw))
        {
            await Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad Request", detail: "path: encoded dots, encoded percent signs, backslashes and dot segments are not allowed.").ExecuteAsync(context);
            return;
        }

        await next(context);
    });
}
