using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gale.Host.Tests.Auth;

/// <summary>
/// A stand-in for an Entra ID tenant on 127.0.0.1: serves its v2 OpenID configuration and JWKS from a real Kestrel,
/// counts the fetches, and mints RS256 access tokens with keys generated here.
/// </summary>
internal sealed class FakeEntra : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly List<(string Kid, RSA Key)> _published = [];
    private int _metadataFetches;
    private int _jwksFetches;

    private FakeEntra(WebApplication app) => _app = app;

    public Guid TenantId { get; } = Guid.NewGuid();

    public string Authority { get; private set; } = string.Empty;

    public string IssuerV2 => $"{Authority}/{TenantId:D}/v2.0";

    public int MetadataFetches => Volatile.Read(ref _metadataFetches);

    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    public static async Task<FakeEntra> StartAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var entra = new FakeEntra(app);
        entra.Map(app);
        await app.StartAsync();
        entra.Authority = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return entra;
    }

    /// <summary>An authority on a loopback port nothing listens on (a tenant whose metadata server is down).</summary>
    public static string UnreachableAuthority()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    /// <summary>Maps the endpoints before the app starts (the authority, known only once it listens, is read per request).</summary>
    private void Map(WebApplication app)
    {
        // Any tenant segment (id or domain) answers with the tenant id's issuer, as Entra ID does.
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) =>
        {
            Interlocked.Increment(ref _metadataFetches);
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = IssuerV2,
                ["jwks_uri"] = $"{Authority}/{TenantId:D}/discovery/v2.0/keys",
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            });
        });
        app.MapGet("/{tenant}/discovery/v2.0/keys", () =>
        {
            Interlocked.Increment(ref _jwksFetches);
            lock (_lock)
            {
                return Results.Json(new { keys = _published.Select(k => Jwk(k.Kid, k.Key)).ToList() });
            }
        });
    }

    /// <summary>Generates a 2048-bit key, publishes it in the JWKS under <paramref name="kid"/>, and returns it.</summary>
    public RSA Publish(string kid)
    {
        var key = RSA.Create(2048);
        lock (_lock)
        {
            _published.Add((kid, key));
        }

        return key;
    }

    public static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    public static string Base64Url(string text) => Base64Url(Encoding.UTF8.GetBytes(text));

    /// <summary>An RS256 token signed with <paramref name="key"/>; <paramref name="header"/> entries override alg/typ/kid.</summary>
    public static string Mint(RSA key, string kid, IDictionary<string, object?> claims, IDictionary<string, object?>? header = null)
    {
        var head = new Dictionary<string, object?> { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = kid };
        foreach (var (name, value) in header ?? new Dictionary<string, object?>())
        {
            head[name] = value;
        }

        var input = $"{Base64Url(JsonSerializer.Serialize(head))}.{Base64Url(JsonSerializer.Serialize(claims))}";
        return $"{input}.{Base64Url(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))}";
    }

    /// <summary>The claims of an access token of this tenant for <paramref name="audience"/>, valid from now - 1 min to now + 1 h.</summary>
    public Dictionary<string, object?> Claims(DateTimeOffset now, string audience, params string[] roles) => new()
    {
        ["iss"] = IssuerV2,
        ["aud"] = audience,
        ["tid"] = TenantId.ToString("D"),
        ["oid"] = "00000000-0000-0000-0000-0000000000aa",
        ["preferred_username"] = "ada@contoso.example",
        ["azp"] = "11111111-2222-3333-4444-555555555555",
        ["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
        ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(),
        ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        ["roles"] = roles,
    };

    /// <summary>Stops answering (the tenant's metadata server goes down); the keys stay usable for minting.</summary>
    public Task StopServingAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        lock (_lock)
        {
            foreach (var (_, key) in _published)
            {
                key.Dispose();
            }
        }
    }

    private static Dictionary<string, string> Jwk(string kid, RSA key)
    {
        var p = key.ExportParameters(false);
        return new() { ["kty"] = "RSA", ["use"] = "sig", ["kid"] = kid, ["n"] = Base64Url(p.Modulus!), ["e"] = Base64Url(p.Exponent!) };
    }
}
