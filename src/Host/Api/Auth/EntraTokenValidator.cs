using System.Security.Cryptography;
using System.Text.Json;

namespace Gale.Host.Api.Auth;

/// <summary>What checking a bearer token decided.</summary>
public enum TokenOutcome
{
    /// <summary>A valid token carrying a Gale app role.</summary>
    Valid,

    /// <summary>Not a valid token for this API (401).</summary>
    Invalid,

    /// <summary>A valid token without a Gale app role (403).</summary>
    NoRole,

    /// <summary>The tenant's signing keys could not be fetched, so the token could not be checked (503).</summary>
    Unavailable,
}

/// <summary>The outcome of <see cref="EntraTokenValidator.ValidateAsync"/>.</summary>
/// <param name="Outcome">What was decided.</param>
/// <param name="Caller">The caller, when <see cref="TokenOutcome.Valid"/>.</param>
/// <param name="Reason">Why the token was refused (never quotes the token).</param>
public sealed record TokenCheck(TokenOutcome Outcome, ApiCaller? Caller, string Reason);

/// <summary>
/// Validates Entra ID access tokens for the REST API with the BCL alone: compact JWS, RS256 only, the signature against
/// the tenant's published keys (<see cref="EntraSigningKeys"/>), the v2 (or v1) issuer of the tenant, the audience,
/// <c>exp</c>/<c>nbf</c> with <see cref="ClockSkew"/>, and the <c>roles</c> claim mapped to <see cref="ApiRole"/>.
/// </summary>
public sealed class EntraTokenValidator
{
    /// <summary>How far <c>exp</c> and <c>nbf</c> may be off.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly EntraSigningKeys _keys;
    private readonly TimeProvider _clock;

    /// <summary>A validator for <paramref name="options"/> that fetches metadata and keys with <paramref name="http"/>.</summary>
    public EntraTokenValidator(EntraAuthOptions options, HttpClient http, TimeProvider clock, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(clock);
        Options = options;
        _clock = clock;
        _keys = new EntraSigningKeys(options, http, clock, logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
    }

    /// <summary>The tenant, audience and roles this validator accepts.</summary>
    public EntraAuthOptions Options { get; }

    /// <summary>Checks <paramref name="token"/> (the text after <c>Bearer </c>).</summary>
    public async Task<TokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var jws = CompactJws.TryParse(token, out var malformed);
        if (jws is null)
        {
            return Invalid($"the token is malformed: {malformed}");
        }

        if (Text(jws.Header, "alg") != "RS256")
        {
            return Invalid("the token's alg must be RS256 (unsigned and HMAC tokens are refused)");
        }

        if (jws.Header.TryGetProperty("crit", out _))
        {
            return Invalid("the token has critical header extensions, which are not supported");
        }

        var kid = Text(jws.Header, "kid");
        if (string.IsNullOrEmpty(kid))
        {
            return Invalid("the token's header has no kid");
        }

        var lookup = await _keys.FindAsync(kid, cancellationToken);
        if (lookup.Unavailable is not null)
        {
            return new TokenCheck(TokenOutcome.Unavailable, null, $"the tenant's signing keys are unavailable: {lookup.Unavailable}");
        }

        if (lookup.Key is not { } key)
        {
            return Invalid("unknown key: the token's kid is not among the tenant's signing keys");
        }

        if (!Verifies(key, jws))
        {
            return Invalid("bad signature");
        }

        return CheckClaims(jws.Payload, lookup.Set!.TenantId);
    }

    private TokenCheck CheckClaims(JsonElement claims, Guid tenantId)
    {
        var issuer = Text(claims, "iss");
        var v2 = $"{Options.AuthorityText}/{tenantId:D}/v2.0";
        var v1 = $"https://sts.windows.net/{tenantId:D}/";
        if (!string.Equals(issuer, v2, StringComparison.OrdinalIgnoreCase) && !string.Equals(issuer, v1, StringComparison.OrdinalIgnoreCase))
        {
            return Invalid($"wrong issuer: the token was not issued by tenant {tenantId:D} (expected {v2} or {v1})");
        }

        if (Text(claims, "tid") is { } tid && !(Guid.TryParse(tid, out var tokenTenant) && tokenTenant == tenantId))
        {
            return Invalid($"wrong tenant: the token's tid is not {tenantId:D}");
        }

        if (!Audiences(claims).Any(Options.Audiences.Contains))
        {
            return Invalid($"wrong audience: the token is not for this API (expected {Options.Audience})");
        }

        var now = _clock.GetUtcNow();
        var expires = Time(claims, "exp");
        if (expires is null)
        {
            return Invalid("the token has no numeric exp claim");
        }

        if (now > expires.Value + ClockSkew)
        {
            return Invalid($"the token expired at {expires.Value:yyyy-MM-ddTHH:mm:ssZ}");
        }

        var notBefore = Time(claims, "nbf");
        if (notBefore is null && claims.TryGetProperty("nbf", out _))
        {
            return Invalid("the token's nbf claim is not a number");
        }

        if (notBefore is { } nbf && now + ClockSkew < nbf)
        {
            return Invalid($"the token is not valid yet (not before {nbf:yyyy-MM-ddTHH:mm:ssZ})");
        }

        var roles = claims.TryGetProperty("roles", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToHashSet(StringComparer.Ordinal)
            : [];
        ApiRole? role = roles.Contains(Options.AdminRole) ? ApiRole.Admin : roles.Contains(Options.ReadRole) ? ApiRole.ReadOnly : null;
        var objectId = Text(claims, "oid");
        var userName = Text(claims, "preferred_username");
        var appId = Text(claims, "azp") ?? Text(claims, "appid");
        var identity = userName ?? appId ?? objectId ?? Text(claims, "sub") ?? "unknown";
        if (role is null)
        {
            return new TokenCheck(TokenOutcome.NoRole, null, $"the token has no Gale role (assign the app role '{Options.AdminRole}' or '{Options.ReadRole}' to the caller)");
        }

        var caller = new ApiCaller(ApiCaller.EntraScheme, role.Value, identity) { ObjectId = objectId, UserName = userName, AppId = appId };
        return new TokenCheck(TokenOutcome.Valid, caller, string.Empty);
    }

    private static bool Verifies(RSAParameters key, CompactJws jws)
    {
        try
        {
            using var rsa = RSA.Create(key);
            return jws.Signature.Length == rsa.KeySize / 8
                && rsa.VerifyData(jws.SigningInput, jws.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static IEnumerable<string> Audiences(JsonElement claims)
    {
        if (!claims.TryGetProperty("aud", out var aud))
        {
            return [];
        }

        return aud.ValueKind switch
        {
            JsonValueKind.String => [aud.GetString()!],
            JsonValueKind.Array => aud.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!).ToList(),
            _ => [],
        };
    }

    private static DateTimeOffset? Time(JsonElement claims, string name) =>
        claims.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds)
            && seconds is > 0 and < 253402300799
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000))
            : null;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static TokenCheck Invalid(string reason) => new(TokenOutcome.Invalid, null, reason);
}
