namespace Gale.Host.Api.Auth;

/// <summary>
/// How the REST API authenticates callers besides API keys: Entra ID bearer tokens (<see cref="Entra"/>, off when
/// null) and, on the Functions host, the role of requests the host authenticated with a function key
/// (<c>GALE_FUNCTION_KEY_ROLE</c>).
/// </summary>
public sealed class ApiAuthSettings
{
    /// <summary>The setting giving function-key callers' role on the Functions host: <c>admin</c> (default) or <c>read</c>.</summary>
    public const string FunctionKeyRoleSetting = "GALE_FUNCTION_KEY_ROLE";

    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient { Timeout = TimeSpan.FromSeconds(15) });

    /// <summary>Validates bearer tokens, or null when Entra ID auth is not configured.</summary>
    public EntraTokenValidator? Entra { get; init; }

    /// <summary>The role of callers the Functions host admitted with a function key.</summary>
    public ApiRole FunctionKeyRole { get; init; } = ApiRole.Admin;

    /// <summary>Reads the Entra ID settings (<see cref="EntraAuthOptions"/>) and <see cref="FunctionKeyRoleSetting"/>.</summary>
    /// <param name="get">Reads a setting (null when unset).</param>
    /// <param name="clock">The clock tokens are checked against.</param>
    /// <param name="http">Fetches the tenant's metadata and keys (default: a shared client).</param>
    /// <param name="logger">Logs key fetches.</param>
    /// <exception cref="FormatException">A value is invalid; the message names the setting.</exception>
    public static ApiAuthSettings FromSettings(Func<string, string?> get, TimeProvider clock, HttpClient? http = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(get);
        var entra = EntraAuthOptions.FromSettings(get);
        var role = get(FunctionKeyRoleSetting)?.Trim().ToLowerInvariant() switch
        {
            null or "" or "admin" => ApiRole.Admin,
            "read" => ApiRole.ReadOnly,
            _ => throw new FormatException($"{FunctionKeyRoleSetting} must be admin or read."),
        };
        return new ApiAuthSettings
        {
            Entra = entra is null ? null : new EntraTokenValidator(entra, http ?? SharedHttp.Value, clock, logger),
            FunctionKeyRole = role,
        };
    }

    /// <summary>Which credentials the API accepts, for the start-up line (no secrets).</summary>
    public string Describe(ApiKeys keys, bool functionsHost = false)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var ways = new List<string>();
        if (Entra is { } entra)
        {
            ways.Add($"Entra ID tokens of tenant {entra.Options.Tenant} for {entra.Options.Audience}");
        }

        if (keys.Any)
        {
            ways.Add($"API keys in {ApiKeys.Header}");
        }

        if (functionsHost)
        {
            ways.Add($"function keys as {(FunctionKeyRole == ApiRole.Admin ? "admin" : "read")}");
        }

        return ways.Count == 0
            ? $"closed: set {ApiKeys.SettingName}, or {EntraAuthOptions.TenantSetting} and {EntraAuthOptions.AudienceSetting}"
            : string.Join(", ", ways);
    }
}
