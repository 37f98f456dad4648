using System.Reflection;
using Gale.Storage;

namespace Gale.Host.Api;

/// <summary><c>GET /api/v1/health</c> and <c>GET /api/v1/version</c>, shaped like Airflow's.</summary>
internal static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/health", async (StorageAccountClient account, CancellationToken cancellationToken) =>
        {
            var services = await StorageHealth.CheckAsync(account, cancellationToken);
            var healthy = services.All(s => s.Healthy);
            var body = new HealthResponse(
                new ComponentStatus(Status(healthy)),
                new StorageStatus(Status(healthy), account.Connection.AccountName,
                    services.Select(s => new ServiceStatus(s.Service, Status(s.Healthy), Math.Round(s.LatencyMs, 1), s.Error)).ToList()));
            return Results.Json(body, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });

        routes.MapGet("/api/v1/version", () => Results.Json(new VersionResponse(
            typeof(HealthEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0",
            null)));
    }

    private static string Status(bool healthy) => healthy ? "healthy" : "unhealthy";

    private sealed record HealthResponse(ComponentStatus Metadatabase, StorageStatus Storage);

    private sealed record ComponentStatus(string Status);

    private sealed record StorageStatus(string Status, string Account, IReadOnlyList<ServiceStatus> Services);

    private sealed record ServiceStatus(string Service, string Status, double LatencyMs, string? Error);

    private sealed record VersionResponse(string Version, string? GitVersion);
}
