using System.Net;
using System.Text.RegularExpressions;

namespace Gale.Host.Api.Auth;

/// <summary>
/// Which Entra ID tenant and API the REST API accepts bearer tokens for: <c>GALE_AUTH_TENANT_ID</c>,
/// <c>GALE_AUTH_AUDIENCE</c>, <c>GALE_AUTH_AUTHORITY</c>, <c>GALE_AUTH_ADMIN_ROLE</c> and <c>GALE_AUTH_READ_ROLE</c>.
/// </summary>
public sealed partial class EntraAuthOptions
{
    /// <summary>The setting naming the tenant: its id (a GUID) or one of its domains.</summary>
    public const string TenantSetting = "GALE_AUTH_TENANT_ID";

    /// <summary>The setting naming the API: its application ID URI (<c>api://…</c>) or its client id.</summary>
    public const string AudienceSetting = "GALE_AUTH_AUDIENCE";

    /// <summary>The setting naming the Entra ID authority (default <see cref="DefaultAuthority"/>).</summary>
    public const string AuthoritySetting = "GALE_AUTH_AUTHORITY";

    /// <summary>The setting naming the app role that may do everything (default <c>Gale.Admin</c>).</summary>
    public const string AdminRoleSetting = "GALE_AUTH_ADMIN_ROLE";

    /// <summary>The setting naming the app role that may only read (default <c>Gale.Read</c>).</summary>
    public const string ReadRoleSetting = "GALE_AUTH_READ_ROLE";

    /// <summary>The public cloud's authority.</summary>
    public const string DefaultAuthority = "https://login.microsoftonline.com";

    private const string ApiScheme = "api://";

    private EntraAuthOptions(string tenant, string audience, Uri authority, string adminRole, string readRole)
    {
        Tenant = tenant;
        Audience = audience;
        Authority = authority;
        AdminRole = adminRole;
        ReadRole = readRole;
        var bare = audience.StartsWith(ApiScheme, StringComparison.OrdinalIgnoreCase) ? audience[ApiScheme.Length..] : audience;
        Audiences = new HashSet<string>(StringComparer.Ordinal) { audience, bare, ApiScheme + bare };
    }

    /// <summary>The tenant as configured: a GUID or a domain.</summary>
    public string Tenant { get; }

    /// <summary>The audience as configured.</summary>
    public string Audience { get; }

    /// <summary>The authority, without a trailing slash.</summary>
    public Uri Authority { get; }

    /// <summary>The app role granting <see cref="ApiRole.Admin"/>.</summary>
    public string AdminRole { get; }

    /// <summary>The app role granting <see cref="ApiRole.ReadOnly"/>.</summary>
    public string ReadRole { get; }

    /// <summary>The <c>aud</c> values accepted: the configured audience in both its <c>api://</c> and bare forms.</summary>
    public IReadOnlySet<string> Audiences { get; }

    /// <summary>The tenant's id when it was configured as a GUID, else null (a domain: the id comes from the metadata).</summary>
    public Guid? TenantId => Guid.TryParse(Tenant, out var id) ? id : null;

    /// <summary>The authority without a trailing slash, for building URLs and issuers.</summary>
    internal string AuthorityText => Authority.AbsoluteUri.TrimEnd('/');

    /// <summary>Where the tenant's v2 OpenID Connect metadata is.</summary>
    internal Uri MetadataUri => new($"{AuthorityText}/{Uri.EscapeDataString(Tenant)}/v2.0/.well-known/openid-configuration");

    /// <summary>
    /// Reads the settings. Null when neither the tenant nor the audience is set (Entra ID auth is off).
    /// </summary>
    /// <exception cref="FormatException">A value is invalid, or only one of tenant and audience is set; the message names the setting.</exception>
    public static EntraAuthOptions? FromSettings(Func<string, string?> get)
    {
        ArgumentNullException.ThrowIfNull(get);
        var tenant = Value(get, TenantSetting);
        var audience = Value(get, AudienceSetting);
        if (tenant is null && audience is null)
        {
            foreach (var other in new[] { AuthoritySetting, AdminRoleSetting, ReadRoleSetting })
            {
                if (Value(get, other) is not null)
                {
                    throw new FormatException($"{other} is set but Entra ID auth is off: set {TenantSetting} and {AudienceSetting} too.");
                }
            }

            return null;
        }

        if (tenant is null || audience is null)
        {
            throw new FormatException($"Entra ID auth needs both {TenantSetting} and {AudienceSetting}; only {(tenant is null ? AudienceSetting : TenantSetting)} is set.");
        }

        if (tenant.ToLowerInvariant() is "common" or "organizations" or "consumers")
        {
            throw new FormatException($"{TenantSetting}: '{tenant}' is not one tenant; give the tenant id or a domain of it.");
        }

        if (!Guid.TryParse(tenant, out _) && !DomainPattern().IsMatch(tenant))
        {
            throw new FormatException($"{TenantSetting}: '{tenant}' is neither a tenant id (GUID) nor a domain such as contoso.onmicrosoft.com.");
        }

        if (audience.Any(char.IsWhiteSpace) || audience.Length > 512)
        {
            throw new FormatException($"{AudienceSetting}: must be the API's application ID URI (api://…) or its client id, without spaces.");
        }

        var authorityText = Value(get, AuthoritySetting) ?? DefaultAuthority;
        if (!Uri.TryCreate(authorityText, UriKind.Absolute, out var authority)
            || !(authority.Scheme == Uri.UriSchemeHttps || (authority.Scheme == Uri.UriSchemeHttp && IsLoopback(authority)))
            || !string.IsNullOrEmpty(authority.Query) || !string.IsNullOrEmpty(authority.Fragment) || !string.IsNullOrEmpty(authority.UserInfo))
        {
            throw new FormatException($"{AuthoritySetting}: '{authorityText}' must be an https URL such as {DefaultAuthority} (plain http only on loopback), without query or fragment.");
        }

        var adminRole = Role(get, AdminRoleSetting, "Gale.Admin");
        var readRole = Role(get, ReadRoleSetting, "Gale.Read");
        if (string.Equals(adminRole, readRole, StringComparison.Ordinal))
        {
            throw new FormatException($"{AdminRoleSetting} and {ReadRoleSetting} must name different app roles (both are '{adminRole}').");
        }

        return new EntraAuthOptions(tenant, audience, authority, adminRole, readRole);
    }

    /// <summary>True for http(s) URLs on 127.0.0.0/8, [::1] or localhost.</summary>
    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost, out var address) && IPAddress.IsLoopback(address));

    private static string? Value(Func<string, string?> get, string name)
    {
        var value = get(name)?.Trim();
        return string.IsNullOrEmpty(value) ? null : value;
    }

    private static string Role(Func<string, string?> get, string name, string fallback)
    {
        var value = Value(get, name) ?? fallback;
        return value.Any(char.IsWhiteSpace) || value.Contains(',', StringComparison.Ordinal) || value.Length > 120
            ? throw new FormatException($"{name}: '{value}' must be an app role value without spaces or commas.")
            : value;
    }

    [GeneratedRegex(@"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DomainPattern();
}
