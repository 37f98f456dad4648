using Gale.Host.Api.Auth;
using Microsoft.Extensions.Primitives;

namespace Gale.Host.Api;

/// <summary>
/// Decides who calls every <c>/api/v1</c> endpoint but health and version, from the first credential present, in this
/// order: an Entra ID token in <c>Authorization: Bearer</c>, an API key in <c>X-API-Key</c>, and, on the Functions
/// host only, the function key the host already checked (<c>x-functions-key</c> or <c>?code=</c>). Read-only callers
/// may only GET and HEAD. Nothing configured: everything answers 401. The admitted caller is attached to the request
/// (<see cref="ApiCaller.Of"/>).
/// </summary>
internal static partial class ApiAuth
{
    public const string FunctionKeyHeader = "x-functions-key";

    public const string FunctionKeyQuery = "code";

    public static RouteGroupBuilder RequireAuth(this RouteGroupBuilder group, ApiContext api) =>
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var (caller, problem, scheme, reason) = await AuthenticateAsync(http, api);
            if (caller is not null && caller.Role == ApiRole.ReadOnly && !HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
            {
                reason = "read-only caller";
                problem = Problems.Forbidden(caller.Scheme switch
                {
                    ApiCaller.EntraScheme => $"This token has the read role only ('{api.Auth.Entra?.Options.ReadRole}'): it may only GET.",
                    ApiCaller.FunctionKeyScheme => $"Function keys are read-only on this app ({ApiAuthSettings.FunctionKeyRoleSetting}=read).",
                    _ => "This API key is read-only.",
                });
            }

            if (problem is not null)
            {
                LogRefused(Logger(http), http.Request.Method, http.Request.Path, scheme, caller?.Identity ?? "-", reason);
                return problem;
            }

            caller!.AttachTo(http);
            return await next(context);
        });

    private static async Task<(ApiCaller? Caller, IResult? Problem, string Scheme, string Reason)> AuthenticateAsync(HttpContext http, ApiContext api)
    {
        var request = http.Request;
        var bearer = BearerToken(request.Headers.Authorization);
        if (bearer is not null)
        {
            return await CheckTokenAsync(http, api.Auth.Entra, bearer);
        }

        var key = request.Headers[ApiKeys.Header].FirstOrDefault();
        if (key is not null)
        {
            if (!api.Keys.Any)
            {
                return (null, Problems.Unauthorized($"No API keys are configured (set {ApiKeys.SettingName}), so the {ApiKeys.Header} header is not accepted."), ApiCaller.ApiKeyScheme, "no keys configured");
            }

            return api.Keys.RoleOf(key) is { } role
                ? (new ApiCaller(ApiCaller.ApiKeyScheme, role, ApiCaller.ApiKeyScheme), null, ApiCaller.ApiKeyScheme, string.Empty)
                : (null, Problems.Unauthorized($"Send a valid API key in the {ApiKeys.Header} header."), ApiCaller.ApiKeyScheme, "unknown API key");
        }

        // The Functions host checks function keys (the http function's authLevel is function) and forwards only requests
        // that carried a valid one; a request without one here did not come through that check.
        if (api.HostChecksFunctionKeys && (!StringValues.IsNullOrEmpty(request.Headers[FunctionKeyHeader]) || !StringValues.IsNullOrEmpty(request.Query[FunctionKeyQuery])))
        {
            return (new ApiCaller(ApiCaller.FunctionKeyScheme, api.Auth.FunctionKeyRole, ApiCaller.FunctionKeyScheme), null, ApiCaller.FunctionKeyScheme, string.Empty);
        }

        return (null, Problems.Unauthorized(NoCredentials(api)), "none", "no credentials");
    }

    private static async Task<(ApiCaller?, IResult?, string, string)> CheckTokenAsync(HttpContext http, EntraTokenValidator? entra, string token)
    {
        const string scheme = ApiCaller.EntraScheme;
        if (entra is null)
        {
            Challenge(http, null);
            return (null, Problems.Unauthorized($"Entra ID auth is not configured (set {EntraAuthOptions.TenantSetting} and {EntraAuthOptions.AudienceSetting}), so bearer tokens are not accepted."), scheme, "Entra ID not configured");
        }

        if (token.Length == 0)
        {
            Challenge(http, "invalid_token");
            return (null, Problems.Unauthorized("The bearer token is empty."), scheme, "empty token");
        }

        var check = await entra.ValidateAsync(token, http.RequestAborted);
        switch (check.Outcome)
        {
            case TokenOutcome.Valid:
                return (check.Caller, null, scheme, string.Empty);
            case TokenOutcome.NoRole:
                return (null, Problems.Forbidden(Sentence(check.Reason)), scheme, check.Reason);
            case TokenOutcome.Unavailable:
                return (null, Problems.Of(StatusCodes.Status503ServiceUnavailable, "Service Unavailable", "Bearer tokens cannot be checked now: the tenant's signing keys could not be fetched. Try again later."), scheme, check.Reason);
            default:
                Challenge(http, "invalid_token");
                return (null, Problems.Unauthorized($"Invalid bearer token: {check.Reason}."), scheme, check.Reason);
        }
    }

    /// <summary>The token of an <c>Authorization: Bearer …</c> header (empty when none follows), or null for no or another scheme.</summary>
    private static string? BearerToken(StringValues authorization)
    {
        var value = authorization.FirstOrDefault()?.Trim();
        if (value is null || !value.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) || (value.Length > 6 && value[6] != ' '))
        {
            return null;
        }

        return value[6..].Trim();
    }

    private static string Sentence(string reason) => $"{char.ToUpperInvariant(reason[0])}{reason[1..]}.";

    private static void Challenge(HttpContext http, string? error) =>
        http.Response.Headers.WWWAuthenticate = error is null ? "Bearer" : $"Bearer error=\"{error}\"";

    private static string NoCredentials(ApiContext api)
    {
        var ways = new List<string>();
        if (api.Auth.Entra is not null)
        {
            ways.Add("an Entra ID access token in Authorization: Bearer");
        }

        if (api.Keys.Any)
        {
            ways.Add($"an API key in the {ApiKeys.Header} header");
        }

        if (api.HostChecksFunctionKeys)
        {
            ways.Add($"a function key in the {FunctionKeyHeader} header or the {FunctionKeyQuery} query parameter");
        }

        return ways.Count == 0
            ? $"The API is closed: no credentials are configured (set {ApiKeys.SettingName} for API keys, or {EntraAuthOptions.TenantSetting} and {EntraAuthOptions.AudienceSetting} for Entra ID tokens)."
            : $"Authentication required: send {string.Join(", or ", ways)}.";
    }

    private static ILogger Logger(HttpContext http) =>
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Gale.Api.Auth");

    [LoggerMessage(Level = LogLevel.Information, Message = "API auth refused {Method} {Path} ({Scheme}, caller {Caller}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, PathString path, string scheme, string caller, string reason);
}
