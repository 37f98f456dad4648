using System.Net.Sockets;
using System.Text;
using Gale.Dags;
using Gale.Engine;
using Gale.Host.Hosting;
using Gale.Storage.Engine;
using Microsoft.AspNetCore.Hosting;

namespace Gale.Host.Tests.Hosting;

/// <summary>
/// On the Functions host the anonymous `ui` function must not become a way into `/api/v1`, where a request carrying any
/// `x-functions-key` counts as one the host checked: paths that decode differently here than where they were routed are
/// refused before routing.
/// </summary>
public sealed class RawPathGuardTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Theory]
    [InlineData("/ui/%2e%2e/api/v1/variables", true)]
    [InlineData("/ui/%2E%2E/api/v1/variables", true)]
    [InlineData("/ui/%252e%252e/api/v1/variables", true)]
    [InlineData("/ui/..%5Capi%5Cv1%5Cdags", true)]
    [InlineData("/ui/..\\api\\v1\\dags", true)]
    [InlineData("/ui/../api/v1/dags", true)]
    [InlineData("/ui/./index.html", true)]
    [InlineData("/ui/index.html", false)]
    [InlineData("/ui/js/app.js?v=1.2", false)]
    [InlineData("/api/v1/dags/example_etl/dagRuns/manual__2024-01-01T00:00:00+00:00", false)]
    [InlineData("/api/v1/dags?dag_id_pattern=%2e%2e", false)]
    public void IsSuspicious_RawTarget_RefusesHiddenDotsAndBackslashesOnlyInThePath(string raw, bool suspicious)
    {
        Assert.Equal(suspicious, RawPathGuard.IsSuspicious(raw));
    }

    [Theory]
    [InlineData("/ui/%2e%2e/api/v1/variables")]
    [InlineData("/ui/%252e%252e/api/v1/variables")]
    [InlineData("/ui/..%5Capi%5Cv1%5Cdags")]
    public async Task FunctionsHost_UiPathThatDecodesIntoTheApi_Answers400NotTheApi(string path)
    {
        await using var app = await StartAsync();
        var url = new Uri(app.Urls.Single());

        var (status, body) = await SendRawAsync(url, path);
        var (apiStatus, _) = await SendRawAsync(url, "/api/v1/dags");
        var (uiStatus, _) = await SendRawAsync(url, "/ui/index.html");

        Assert.Equal(400, status);
        Assert.Contains("path:", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"variables\"", body, StringComparison.Ordinal);
        Assert.Equal(200, apiStatus); // the same fake key on a plain API path is admitted: only the guard stood in the way
        Assert.Equal(200, uiStatus);
    }

    private async Task<WebApplication> StartAsync()
    {
        var dags = new DagBag([Dag.Create("guarded").Task("t", _ => { }).Build()]);
        var (api, hub) = await Api.ApiTestKit.ContextAsync(azurite, dags, keys: null, services: StorageEngine.Services(azurite.Account));
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        GaleTestHost.Own(builder, hub);
        var app = GaleWebApp.Build(builder, azurite.Account, api with { HostChecksFunctionKeys = true });
        await app.StartAsync();
        return app;
    }

    // Raw HTTP/1.1 over a socket: HttpClient would normalise the path before sending it.
    private static async Task<(int Status, string Body)> SendRawAsync(Uri server, string path)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        await using var stream = tcp.GetStream();
        var request = $"GET {path} HTTP/1.1\r\nHost: {server.Authority}\r\nx-functions-key: anything\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response);
    }
}
