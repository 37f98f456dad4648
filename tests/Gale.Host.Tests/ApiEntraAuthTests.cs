using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gale.Dags;
using Gale.Engine;
using Gale.Host.Api;
using Gale.Host.Api.Auth;
using Gale.Host.Hosting;
using Gale.Host.Tests.Auth;
using Gale.InMemory;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace Gale.Host.Tests;

/// <summary>
/// Auth of <c>/api/v1</c> end to end: Entra ID bearer tokens checked against a fake tenant served from a local Kestrel
/// (metadata, JWKS, RS256 tokens minted here), API keys beside them, and function keys on the Functions host.
/// </summary>
public abstract class ApiEntraAuthTests(AzuriteFixture azurite, HttpHost host) : IClassFixture<AzuriteFixture>
{
    private const string Audience = "api://gale-tests";
    private protected const string DagPath = "/api/v1/dags/auth_dag";

    private readonly ManualTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _logs = new();

    private DateTimeOffset Now => _clock.GetUtcNow();

    private Dictionary<string, string?> EntraSettings(FakeEntra entra, string audience = Audience) => new()
    {
        [EntraAuthOptions.TenantSetting] = entra.TenantId.ToString("D"),
        [EntraAuthOptions.AudienceSetting] = audience,
        [EntraAuthOptions.AuthoritySetting] = entra.Authority,
    };

    private ApiAuthSettings Auth(Dictionary<string, string?> settings) =>
        ApiAuthSettings.FromSettings(settings.GetValueOrDefault, _clock);

    private protected async Task<(WebApplication App, HttpClient Client)> StartAsync(ApiAuthSettings auth, string? keys = null, bool functionsHost = false)
    {
        var dags = new DagBag([Dag.Create("auth_dag", "@daily", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)).Task("t", _ => { }).Build()]);
        var (api, hub) = await Api.ApiTestKit.ContextAsync(azurite, dags, keys);
        // The Function App always has the Functions host check function keys in front of its http function.
        api = api with { Auth = auth, HostChecksFunctionKeys = functionsHost || host == HttpHost.Functions };

        // As GaleTestHost composes it, plus a logger that keeps what the auth filter logs.
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.AddProvider(new ListLoggerProvider(_logs));
        GaleTestHost.Own(builder, hub);
        var app = host == HttpHost.Functions ? FunctionsTestHost.Build(builder, azurite.Account, api) : GaleWebApp.Build(builder, azurite.Account, api);
        await app.StartAsync();
        return (app, app.GetTestClient());
    }

    private protected static HttpRequestMessage Request(HttpMethod method, string path, string? bearer = null, Action<HttpRequestMessage>? change = null)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (method == HttpMethod.Patch)
        {
            request.Content = JsonContent.Create(new { is_paused = true });
        }

        change?.Invoke(request);
        return request;
    }

    private protected static async Task<(HttpStatusCode Status, string Title, string Detail)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        using var _ = request;
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.IsSuccessStatusCode)
        {
            return (response.StatusCode, string.Empty, string.Empty);
        }

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)response.StatusCode, body.GetProperty("status").GetInt32());
        return (response.StatusCode, body.GetProperty("title").GetString()!, body.GetProperty("detail").GetString()!);
    }

    [Fact]
    public async Task BearerToken_AdminRole_GetAndPatchSucceed()
    {
        await using var entra = await FakeEntra.StartAsync();
        var key = entra.Publish("k1");
        var (app, client) = await StartAsync(Auth(EntraSettings(entra)));
        await using var _ = app;
        var token = FakeEntra.Mint(key, "k1", entra.Claims(Now, Audience, "Gale.Admin", "Gale.Read"));

        var get = await SendAsync(client, Request(HttpMethod.Get, DagPath, token));
        var patch = await SendAsync(client, Request(HttpMethod.Patch, DagPath, token));

        Assert.Equal(HttpStatusCode.OK, get.Status);
        Assert.Equal(HttpStatusCode.OK, patch.Status);
    }

    [Fact]
    public async Task BearerToken_ReadRole_GetSucceedsPatchIsForbidden()
    {
        await using var entra = await FakeEntra.StartAsync();
        var key = entra.Publish("k1");
        var (app, client) = await StartAsync(Auth(EntraSettings(entra)));
        await using var _ = app;
        var token = FakeEntra.Mint(key, "k1", entra.Claims(Now, Audience, "Gale.Read"));

        var get = await SendAsync(client, Request(HttpMethod.Get, DagPath, token));
        var patch = await SendAsync(client, Request(HttpMethod.Patch, DagPath, token));

        Assert.Equal(HttpStatusCode.OK, get.Status);
        Assert.Equal((HttpStatusCode.Forbidden, "Forbidden"), (patch.Status, patch.Title));
        Assert.Contains("read role only", patch.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("expired", "expired at")]
    [InlineData("not_yet_valid", "not valid yet")]
    [InlineData("wrong_audience", "wrong audience")]
    [InlineData("wrong_issuer", "wrong issuer")]
    [InlineData("tampered_payload", "bad signature")]
    [InlineData("other_key_same_kid", "bad signature")]
    [InlineData("alg_none", "alg must be RS256")]
    [InlineData("hs256", "alg must be RS256")]
    [InlineData("no_kid", "no kid")]
    [InlineData("two_parts", "malformed")]
    [InlineData("not_base64url", "malformed")]
    [InlineData("no_exp", "no numeric exp")]
    [InlineData("other_tenant_tid", "wrong tenant")]
    public async Task BearerToken_Invalid_IsUnauthorizedSayingWhy(string flaw, string reason)
    {
        await using var entra = await FakeEntra.StartAsync();
        var key = entra.Publish("k1");
        var (app, client) = await StartAsync(Auth(EntraSettings(entra)));
        await using var _ = app;
        var claims = entra.Claims(Now, Audience, "Gale.Admin");
        var good = FakeEntra.Mint(key, "k1", claims);
        var parts = good.Split('.');
        using var stranger = System.Security.Cryptography.RSA.Create(2048);
        string Claimed(string name, object? value)
        {
            claims[name] = value;
            return FakeEntra.Mint(key, "k1", claims);
        }

        var token = flaw switch
        {
            "expired" => Claimed("exp", Now.AddMinutes(-6).ToUnixTimeSeconds()),
            "not_yet_valid" => Claimed("nbf", Now.AddMinutes(6).ToUnixTimeSeconds()),
            "wrong_audience" => Claimed("aud", "api://someone-else"),
            "wrong_issuer" => Claimed("iss", $"{entra.Authority}/{Guid.NewGuid():D}/v2.0"),
            "tampered_payload" => $"{parts[0]}.{FakeEntra.Base64Url(JsonSerializer.Serialize(new Dictionary<string, object?>(claims) { ["roles"] = new[] { "Gale.Admin" }, ["oid"] = "someone-else" }))}.{parts[2]}",
            "other_key_same_kid" => FakeEntra.Mint(stranger, "k1", claims),
            "alg_none" => $"{FakeEntra.Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"k1\"}")}.{parts[1]}.",
            "hs256" => Hs256(parts[1], key),
            "no_kid" => FakeEntra.Mint(key, "k1", claims, new Dictionary<string, object?> { ["kid"] = null }),
            "two_parts" => $"{parts[0]}.{parts[1]}",
            "not_base64url" => $"{parts[0]}.{parts[1]}+/=.{parts[2]}",
            "no_exp" => Claimed("exp", null),
            "other_tenant_tid" => Claimed("tid", Guid.NewGuid().ToString("D")),
            _ => throw new ArgumentOutOfRangeException(nameof(flaw)),
        };

        using var request = Request(HttpMethod.Get, DagPath, token);
        using var response = await client.SendAsync(request);
        var (status, title, detail) = await SendAsync(client, Request(HttpMethod.Get, DagPath, token));

        Assert.Equal((HttpStatusCode.Unauthorized, "Unauthorized"), (status, title));
        Assert.Contains(reason, detail, StringComparison.Ordinal);
        Assert.DoesNotContain(parts[1], detail, StringComparison.Ordinal);
        Assert.StartsWith("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Contains(_logs, l => l.Level == LogLevel.Information && l.Message.Contains(reason, StringComparison.Ordinal));
        Assert.DoesNotContain(_logs, l => l.Message.Contains(parts[1], StringComparison.Ordinal) || l.Message.Contains(parts[2], StringComparison.Ordinal));
    }

    /// <summary>The classic key-confusion forgery: HMAC-SHA256 keyed with the RSA public key's bytes.</summary>
    private static string Hs256(string payload, System.Security.Cryptography.RSA key)
    {
        var input = $"{FakeEntra.Base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}")}.{payload}";
        var mac = System.Security.Cryptography.HMACSHA256.HashData(key.ExportSubjectPublicKeyInfo(), System.Text.Encoding.ASCII.GetBytes(input));
        return $"{input}.{FakeEntra.Base64Url(mac)}";
    }

    [Fact]
    public async Task BearerToken_WithinClockSkew_IsAccepted()
    {
        await using var entra = await FakeEntra.StartAsync();
        var key = entra.Publish("k1");
        var (app, client) = await StartAsync(Auth(EntraSettings(entra)));
        await using var _ = app;
        var claims = entra.Claims(Now, Audience, "Gale.Read");
        claims["exp"] = Now.AddMinutes(-4).ToUnixTimeSeconds();
        claims["nbf"] = Now.AddMinutes(4).ToUnixTimeSeconds();

        var (status, _, _) = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "k1", claims)));

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [InlineData("api://0a1b2c3d-0000-4000-8000-000000000001", "0a1b2c3d-0000-4000-8000-000000000001")]
    [InlineData("0a1b2c3d-0000-4000-8000-000000000001", "api://0a1b2c3d-0000-4000-8000-000000000001")]
    [InlineData("0a1b2c3d-0000-4000-8000-000000000001", "0a1b2c3d-0000-4000-8000-000000000001")]
    public async Task BearerToken_AudienceInEitherForm_IsAccepted(string configured, string tokenAudience)
    {
        await using var entra = await FakeEntra.StartAsync();
        var key = entra.Publish("k1");
        var (app, client) = await StartAsync(Auth(EntraSettings(entra, configured)));
        await using var _ = app;

        var (status, _, _) = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "k1", entra.Claims(Now, tokenAudience, "Gale.Read"))));

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task BearerToken_V1IssuerAndTenantAsDomain_IsAccepted()
    {
        await using var entra = await FakeEntra.StartAsync();
        var key = entra.Publish("k1");
        var settings = EntraSettings(entra);
        settings[EntraAuthOptions.TenantSetting] = "contoso.onmicrosoft.com";
        var (app, client) = await StartAsync(Auth(settings));
        await using var _ = app;
        var claims = entra.Claims(Now, Audience, "Gale.Admin");
        claims["iss"] = $"https://sts.windows.net/{entra.TenantId:D}/";

        var (status, _, _) = await SendAsync(client, Request(HttpMethod.Patch, DagPath, FakeEntra.Mint(key, "k1", claims)));

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task BearerToken_UnknownKid_RefreshesOnceRateLimitedThenUnauthorized()
    {
        await using var entra = await FakeEntra.StartAsync();
        var key = entra.Publish("k1");
        var (app, client) = await StartAsync(Auth(EntraSettings(entra)));
        await using var _ = app;
        var claims = entra.Claims(Now, Audience, "Gale.Admin");

        var known = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "k1", claims)));
        var fetchesBefore = entra.JwksFetches;
        var first = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "nope", claims)));
        var fetchesAfterFirst = entra.JwksFetches;
        var second = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "nope-2", claims)));
        var fetchesAfterSecond = entra.JwksFetches;
        _clock.Advance(EntraSigningKeys.UnknownKidInterval + TimeSpan.FromSeconds(1));
        var later = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "nope-3", claims)));

        Assert.Equal(HttpStatusCode.OK, known.Status);
        Assert.Equal(1, fetchesBefore);
        Assert.Equal((HttpStatusCode.Unauthorized, 2), (first.Status, fetchesAfterFirst));
        Assert.Contains("unknown key", first.Detail, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Unauthorized, 2), (second.Status, fetchesAfterSecond));
        Assert.Equal((HttpStatusCode.Unauthorized, 3), (later.Status, entra.JwksFetches));
    }

    [Fact]
    public async Task BearerToken_RotatedKey_AcceptedAfterRefresh()
    {
        await using var entra = await FakeEntra.StartAsync();
        var oldKey = entra.Publish("k1");
        var (app, client) = await StartAsync(Auth(EntraSettings(entra)));
        await using var _ = app;
        var claims = entra.Claims(Now, Audience, "Gale.Admin");
        var before = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(oldKey, "k1", claims)));

        var newKey = entra.Publish("k2");
        var rotated = await SendAsync(client, Request(HttpMethod.Patch, DagPath, FakeEntra.Mint(newKey, "k2", claims)));

        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Equal(HttpStatusCode.OK, rotated.Status);
        Assert.Equal(2, entra.JwksFetches);
    }

    [Fact]
    public async Task BearerToken_KeysOlderThanFiveMinutes_AreFetchedAgain()
    {
        await using var entra = await FakeEntra.StartAsync();
        var key = entra.Publish("k1");
        var (app, client) = await StartAsync(Auth(EntraSettings(entra)));
        await using var _ = app;

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "k1", entra.Claims(Now, Audience, "Gale.Read"))))).Status);
        }

        var cached = (entra.MetadataFetches, entra.JwksFetches);
        _clock.Advance(EntraSigningKeys.MaxAge);
        var after = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "k1", entra.Claims(Now, Audience, "Gale.Read"))));

        Assert.Equal((1, 1), cached);
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal((2, 2), (entra.MetadataFetches, entra.JwksFetches));
    }

    [Fact]
    public async Task BearerToken_NoGaleRole_IsForbidden()
    {
        await using var entra = await FakeEntra.StartAsync();
        var key = entra.Publish("k1");
        var (app, client) = await StartAsync(Auth(EntraSettings(entra)));
        await using var _ = app;

        var (status, title, detail) = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "k1", entra.Claims(Now, Audience, "Other.Role"))));

        Assert.Equal((HttpStatusCode.Forbidden, "Forbidden"), (status, title));
        Assert.Contains("token has no Gale role", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BearerToken_MetadataServerDown_IsServiceUnavailable()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var settings = new Dictionary<string, string?>
        {
            [EntraAuthOptions.TenantSetting] = Guid.NewGuid().ToString("D"),
            [EntraAuthOptions.AudienceSetting] = Audience,
            [EntraAuthOptions.AuthoritySetting] = FakeEntra.UnreachableAuthority(),
        };
        var (app, client) = await StartAsync(Auth(settings));
        await using var _ = app;

        var (status, title, detail) = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "k1", new Dictionary<string, object?> { ["aud"] = Audience })));

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Service Unavailable"), (status, title));
        Assert.Contains("signing keys could not be fetched", detail, StringComparison.Ordinal);
        Assert.Contains(_logs, l => l.Level == LogLevel.Information && l.Message.Contains("signing keys are unavailable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BearerToken_MetadataServerDownAfterKeysWereFetched_KeepsUsingThem()
    {
        await using var entra = await FakeEntra.StartAsync();
        var key = entra.Publish("k1");
        var (app, client) = await StartAsync(Auth(EntraSettings(entra)));
        await using var _ = app;
        var first = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "k1", entra.Claims(Now, Audience, "Gale.Read"))));

        await entra.StopServingAsync();
        _clock.Advance(EntraSigningKeys.MaxAge + TimeSpan.FromMinutes(1));
        var stale = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "k1", entra.Claims(Now, Audience, "Gale.Read"))));
        _clock.Advance(EntraSigningKeys.MaxStale);
        var tooStale = await SendAsync(client, Request(HttpMethod.Get, DagPath, FakeEntra.Mint(key, "k1", entra.Claims(Now, Audience, "Gale.Read"))));

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.OK, stale.Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, tooStale.Status);
    }

    [Fact]
    public async Task BearerToken_EntraNotConfigured_IsUnauthorized()
    {
        var (app, client) = await StartAsync(new ApiAuthSettings(), keys: "admin-key-0123456789:admin");
        await using var _ = app;

        var (status, _, detail) = await SendAsync(client, Request(HttpMethod.Get, DagPath, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("Entra ID auth is not configured", detail, StringComparison.Ordinal);
        Assert.Contains(EntraAuthOptions.TenantSetting, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKey_BesideEntra_StillDecidesAccess()
    {
        await using var entra = await FakeEntra.StartAsync();
        entra.Publish("k1");
        var (app, client) = await StartAsync(Auth(EntraSettings(entra)), keys: "read-key-0123456789ab:read");
        await using var _ = app;

        var get = await SendAsync(client, Request(HttpMethod.Get, DagPath, change: r => r.Headers.Add(ApiKeys.Header, "read-key-0123456789ab")));
        var patch = await SendAsync(client, Request(HttpMethod.Patch, DagPath, change: r => r.Headers.Add(ApiKeys.Header, "read-key-0123456789ab")));
        var none = await SendAsync(client, Request(HttpMethod.Get, DagPath));

        Assert.Equal(HttpStatusCode.OK, get.Status);
        Assert.Equal((HttpStatusCode.Forbidden, "This API key is read-only."), (patch.Status, patch.Detail));
        Assert.Equal(HttpStatusCode.Unauthorized, none.Status);
        Assert.Contains("Authorization: Bearer", none.Detail, StringComparison.Ordinal);
        Assert.Contains(ApiKeys.Header, none.Detail, StringComparison.Ordinal);
        Assert.Equal(0, entra.MetadataFetches);
    }

    [Fact]
    public async Task FunctionsHost_FunctionKey_IsAdminByDefault()
    {
        var (app, client) = await StartAsync(new ApiAuthSettings(), functionsHost: true);
        await using var _ = app;

        var get = await SendAsync(client, Request(HttpMethod.Get, DagPath, change: r => r.Headers.Add("x-functions-key", "host-checked-it")));
        var patch = await SendAsync(client, Request(HttpMethod.Patch, DagPath, change: r => r.Headers.Add("x-functions-key", "host-checked-it")));
        var code = await SendAsync(client, Request(HttpMethod.Patch, DagPath + "?code=host-checked-it"));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (get.Status, patch.Status, code.Status));
    }

    [Fact]
    public async Task FunctionsHost_FunctionKeyRoleRead_PatchIsForbidden()
    {
        var auth = Auth(new Dictionary<string, string?> { [ApiAuthSettings.FunctionKeyRoleSetting] = "read" });
        var (app, client) = await StartAsync(auth, functionsHost: true);
        await using var _ = app;

        var get = await SendAsync(client, Request(HttpMethod.Get, DagPath, change: r => r.Headers.Add("x-functions-key", "host-checked-it")));
        var patch = await SendAsync(client, Request(HttpMethod.Patch, DagPath, change: r => r.Headers.Add("x-functions-key", "host-checked-it")));

        Assert.Equal(HttpStatusCode.OK, get.Status);
        Assert.Equal(HttpStatusCode.Forbidden, patch.Status);
        Assert.Contains(ApiAuthSettings.FunctionKeyRoleSetting, patch.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FunctionsHost_NoKey_IsUnauthorized()
    {
        var (app, client) = await StartAsync(new ApiAuthSettings(), functionsHost: true);
        await using var _ = app;

        var (status, _, detail) = await SendAsync(client, Request(HttpMethod.Get, DagPath));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("x-functions-key", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAsync_AdminToken_ReportsTheCallersIdentity()
    {
        await using var entra = await FakeEntra.StartAsync();
        var key = entra.Publish("k1");
        var validator = Auth(EntraSettings(entra)).Entra!;

        var check = await validator.ValidateAsync(FakeEntra.Mint(key, "k1", entra.Claims(Now, Audience, "Gale.Read", "Gale.Admin")), CancellationToken.None);

        Assert.Equal(TokenOutcome.Valid, check.Outcome);
        Assert.Equal(new ApiCaller(ApiCaller.EntraScheme, ApiRole.Admin, "ada@contoso.example") { ObjectId = "00000000-0000-0000-0000-0000000000aa", UserName = "ada@contoso.example", AppId = "11111111-2222-3333-4444-555555555555" }, check.Caller);
    }

    [Theory]
    [InlineData(EntraAuthOptions.TenantSetting, "not a tenant!")]
    [InlineData(EntraAuthOptions.TenantSetting, "common")]
    [InlineData(EntraAuthOptions.AudienceSetting, null)]
    [InlineData(EntraAuthOptions.AuthoritySetting, "http://login.example.com")]
    [InlineData(EntraAuthOptions.AuthoritySetting, "not a url")]
    [InlineData(EntraAuthOptions.ReadRoleSetting, "Gale.Admin")]
    [InlineData(EntraAuthOptions.AdminRoleSetting, "Gale Admin")]
    [InlineData(ApiAuthSettings.FunctionKeyRoleSetting, "owner")]
    public void FromSettings_BadValue_ThrowsNamingTheSetting(string setting, string? value)
    {
        var settings = new Dictionary<string, string?>
        {
            [EntraAuthOptions.TenantSetting] = "contoso.onmicrosoft.com",
            [EntraAuthOptions.AudienceSetting] = Audience,
            [setting] = value,
        };

        var error = Assert.Throws<FormatException>(() => Auth(settings));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromSettings_NothingSet_EntraIsOffAndFunctionKeysAreAdmin()
    {
        var auth = Auth([]);

        Assert.Null(auth.Entra);
        Assert.Equal(ApiRole.Admin, auth.FunctionKeyRole);
    }

    private sealed class ListLoggerProvider(ConcurrentQueue<(LogLevel, string, string)> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(logs, categoryName);

        public void Dispose()
        {
        }

        private sealed class ListLogger(ConcurrentQueue<(LogLevel, string, string)> logs, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                logs.Enqueue((logLevel, category, formatter(state, exception)));
        }
    }
}

/// <summary>Entra ID bearer tokens at <c>gale serve</c>'s API.</summary>
public sealed class ApiEntraAuthTestsOnServe(AzuriteFixture azurite) : ApiEntraAuthTests(azurite, HttpHost.Serve)
{
    [Fact]
    public async Task Health_NothingConfigured_IsOpenWhileTheRestIsClosed()
    {
        var (app, client) = await StartAsync(new ApiAuthSettings());
        await using var _ = app;

        using var health = await client.GetAsync(new Uri("/api/v1/health", UriKind.Relative));
        using var version = await client.GetAsync(new Uri("/api/v1/version", UriKind.Relative));
        var dags = await SendAsync(client, Request(HttpMethod.Get, "/api/v1/dags"));

        Assert.NotEqual(HttpStatusCode.Unauthorized, health.StatusCode); // 200, or 503 when a storage service is unhealthy
        Assert.NotEqual(HttpStatusCode.Forbidden, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, version.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, dags.Status);
        Assert.Contains(ApiKeys.SettingName, dags.Detail, StringComparison.Ordinal);
        Assert.Contains(EntraAuthOptions.TenantSetting, dags.Detail, StringComparison.Ordinal);
    }
    [Fact]
    public async Task ServeHost_FunctionKeyOffTheFunctionsHost_IsUnauthorized()
    {
        var (app, client) = await StartAsync(new ApiAuthSettings(), keys: "admin-key-0123456789:admin");
        await using var _ = app;

        var (status, _, _) = await SendAsync(client, Request(HttpMethod.Get, DagPath, change: r => r.Headers.Add("x-functions-key", "anything")));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }
}

/// <summary>Entra ID bearer tokens at the Function App's <c>http</c> function.</summary>
public sealed class ApiEntraAuthTestsOnFunctions(AzuriteFixture azurite) : ApiEntraAuthTests(azurite, HttpHost.Functions);
