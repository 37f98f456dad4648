using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gale.Host.Api.Auth;

/// <summary>The tenant's token-signing keys at one moment, and the tenant id the metadata named.</summary>
/// <param name="TenantId">The tenant's id (from the metadata's issuer).</param>
/// <param name="Keys">RSA public keys by <c>kid</c>.</param>
/// <param name="FetchedAt">When they were fetched.</param>
internal sealed record SigningKeySet(Guid TenantId, IReadOnlyDictionary<string, RSAParameters> Keys, DateTimeOffset FetchedAt);

/// <summary>The answer to a key lookup: the key (and the set it came from), or, when no keys could be had at all, why.</summary>
internal readonly record struct SigningKeyLookup(SigningKeySet? Set, RSAParameters? Key, string? Unavailable);

/// <summary>
/// Fetches the tenant's OpenID Connect metadata and then its JWKS, and caches the RSA keys. Keys are refetched when
/// they are older than <see cref="MaxAge"/>; an unknown <c>kid</c> refetches them at once, at most once per
/// <see cref="UnknownKidInterval"/>. Concurrent callers share one fetch. When a refetch fails the keys held stay in use
/// (for at most <see cref="MaxStale"/>) and the next attempt waits <see cref="RetryInterval"/>; with no keys at all the
/// lookup says they are unavailable and the caller answers 503, never letting the request through.
/// </summary>
internal sealed partial class EntraSigningKeys(EntraAuthOptions options, HttpClient http, TimeProvider clock, ILogger logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan UnknownKidInterval = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan MaxStale = TimeSpan.FromHours(24);

    private const int MaxDocumentBytes = 512 * 1024;

    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile SigningKeySet? _current;
    private DateTimeOffset _lastUnknownKidRefresh = DateTimeOffset.MinValue;
    private DateTimeOffset _lastFailure = DateTimeOffset.MinValue;
    private string _lastError = "the keys were never fetched";

    /// <summary>The key with id <paramref name="kid"/>, refetching the keys as the rules above allow.</summary>
    public async Task<SigningKeyLookup> FindAsync(string kid, CancellationToken cancellationToken)
    {
        var seen = _current;
        var set = seen;
        if (seen is null || clock.GetUtcNow() - seen.FetchedAt >= MaxAge)
        {
            set = await RefreshAsync(seen, unknownKid: false, cancellationToken);
        }

        if (set is null)
        {
            return new SigningKeyLookup(null, null, _lastError);
        }

        if (set.Keys.TryGetValue(kid, out var key))
        {
            return new SigningKeyLookup(set, key, null);
        }

        // An unknown kid may be a key the tenant rolled over to since the last fetch: look once more, unless the keys
        // were fetched for this very call.
        if (ReferenceEquals(set, seen))
        {
            set = await RefreshAsync(seen, unknownKid: true, cancellationToken) ?? set;
        }

        return set.Keys.TryGetValue(kid, out key) ? new SigningKeyLookup(set, key, null) : new SigningKeyLookup(set, null, null);
    }

    private async Task<SigningKeySet?> RefreshAsync(SigningKeySet? seen, bool unknownKid, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = _current;
            if (!ReferenceEquals(current, seen))
            {
                return current; // another caller fetched while this one waited
            }

            var now = clock.GetUtcNow();
            var limited = now - _lastFailure < RetryInterval || (unknownKid && now - _lastUnknownKidRefresh < UnknownKidInterval);
            if (limited)
            {
                return Usable(current, now);
            }

            if (unknownKid)
            {
                _lastUnknownKidRefresh = now;
            }

            try
            {
                var fresh = await FetchAsync(cancellationToken);
                _current = fresh;
                LogFetched(logger, fresh.Keys.Count, options.MetadataUri);
                return fresh;
            }
            catch (Exception e) when (IsFetchFailure(e, cancellationToken))
            {
                _lastFailure = now;
                _lastError = e is OperationCanceledException ? $"no answer within {FetchTimeout.TotalSeconds:0} s" : e.Message;
                LogFetchFailed(logger, options.MetadataUri, _lastError, current is null ? "none" : $"those fetched at {current.FetchedAt:O}");
                return Usable(current, now);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static SigningKeySet? Usable(SigningKeySet? set, DateTimeOffset now) =>
        set is not null && now - set.FetchedAt < MaxStale ? set : null;

    private static bool IsFetchFailure(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or JsonException or InvalidDataException or FormatException or CryptographicException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private async Task<SigningKeySet> FetchAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FetchTimeout);
        using var metadata = await GetJsonAsync(options.MetadataUri, timeout.Token);
        var root = metadata.RootElement;
        var issuer = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("issuer", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : null;
        var jwks = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("jwks_uri", out var j) && j.ValueKind == JsonValueKind.String ? j.GetString()! : null;
        if (issuer is null || jwks is null)
        {
            throw new InvalidDataException("the OpenID configuration has no issuer or jwks_uri");
        }

        var tenantId = TenantOf(issuer);
        if (!Uri.TryCreate(jwks, UriKind.Absolute, out var jwksUri)
            || !(jwksUri.Scheme == Uri.UriSchemeHttps || (jwksUri.Scheme == Uri.UriSchemeHttp && EntraAuthOptions.IsLoopback(jwksUri))))
        {
            throw new InvalidDataException("the OpenID configuration's jwks_uri is not an https URL");
        }

        using var keySet = await GetJsonAsync(jwksUri, timeout.Token);
        var keys = ReadKeys(keySet.RootElement);
        return keys.Count == 0
            ? throw new InvalidDataException($"{jwksUri} holds no RSA signing key of 2048 bits or more")
            : new SigningKeySet(tenantId, keys, clock.GetUtcNow());
    }

    /// <summary>The tenant id in a v2 issuer <c>{authority}/{tenant id}/v2.0</c>, checked against the configured tenant.</summary>
    private Guid TenantOf(string issuer)
    {
        var prefix = options.AuthorityText + "/";
        var match = IssuerPattern().Match(issuer.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? issuer[prefix.Length..] : string.Empty);
        if (!match.Success || !Guid.TryParse(match.Groups["tenant"].Value, out var tenantId))
        {
            throw new InvalidDataException($"the OpenID configuration's issuer is not {prefix}<tenant id>/v2.0");
        }

        if (options.TenantId is { } configured && configured != tenantId)
        {
            throw new InvalidDataException($"the OpenID configuration is for tenant {tenantId}, not {configured}");
        }

        return tenantId;
    }

    private static Dictionary<string, RSAParameters> ReadKeys(JsonElement root)
    {
        var keys = new Dictionary<string, RSAParameters>(StringComparer.Ordinal);
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("keys", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException("the JWKS has no keys array");
        }

        foreach (var jwk in list.EnumerateArray().Where(k => k.ValueKind == JsonValueKind.Object))
        {
            var kty = Text(jwk, "kty");
            var use = Text(jwk, "use");
            var alg = Text(jwk, "alg");
            var kid = Text(jwk, "kid");
            var n = Text(jwk, "n");
            var e = Text(jwk, "e");
            if (kty != "RSA" || use is not (null or "sig") || alg is not (null or "RS256") || kid is null || n is null || e is null)
            {
                continue;
            }

            var modulus = CompactJws.DecodeBase64Url(n).AsSpan().TrimStart((byte)0).ToArray();
            var exponent = CompactJws.DecodeBase64Url(e).AsSpan().TrimStart((byte)0).ToArray();
            if (modulus.Length * 8 >= 2048 && exponent.Length is > 0 and <= 8)
            {
                keys[kid] = new RSAParameters { Modulus = modulus, Exponent = exponent };
            }
        }

        return keys;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private async Task<JsonDocument> GetJsonAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"{uri} answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }

        if (response.Content.Headers.ContentLength > MaxDocumentBytes)
        {
            throw new InvalidDataException($"{uri} answered more than {MaxDocumentBytes} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxDocumentBytes)
            {
                throw new InvalidDataException($"{uri} answered more than {MaxDocumentBytes} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return JsonDocument.Parse(buffer.ToArray());
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"{uri} did not answer JSON");
        }
    }

    [GeneratedRegex(@"^(?<tenant>[0-9a-fA-F-]{36})/v2\.0$", RegexOptions.CultureInvariant)]
    private static partial Regex IssuerPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Entra ID signing keys fetched: {Count} keys from {Metadata}")]
    private static partial void LogFetched(ILogger logger, int count, Uri metadata);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot fetch Entra ID signing keys from {Metadata}: {Reason}; keys in use: {Held}")]
    private static partial void LogFetchFailed(ILogger logger, Uri metadata, string reason, string held);
}
