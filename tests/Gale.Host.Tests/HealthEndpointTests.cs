using System.Net;
using System.Text.Json;
using Gale.Storage;

namespace Gale.Host.Tests;

/// <summary>The open endpoints, health and version, through <paramref name="host"/>.</summary>
public abstract class HealthEndpointTests(AzuriteFixture azurite, HttpHost host) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Health_ProvisionedAzurite_ReportsEveryServiceHealthy()
    {
        await GaleStorageLayout.EnsureCreatedAsync(azurite.Account);
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, host: host);
        await using var running = app;

        var response = await client.GetAsync(new Uri("/api/v1/health", UriKind.Relative));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", json.RootElement.GetProperty("metadatabase").GetProperty("status").GetString());
        var services = json.RootElement.GetProperty("storage").GetProperty("services").EnumerateArray().ToList();
        Assert.Equal(["tables", "queues", "blobs"], services.Select(s => s.GetProperty("service").GetString()));
        Assert.All(services, s => Assert.Equal("healthy", s.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Health_StorageUnreachable_Returns503WithReason()
    {
        var options = new StorageClientOptions { MaxRetries = 0 };
        var closedPort = StorageConnection.Development("127.0.0.1", 1, 1, 1);
        var (app, client) = await GaleTestHost.StartAsync(new StorageAccountClient(closedPort, options), host: host);
        await using var running = app;

        var response = await client.GetAsync(new Uri("/api/v1/health", UriKind.Relative));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("unhealthy", json.RootElement.GetProperty("metadatabase").GetProperty("status").GetString());
        Assert.All(json.RootElement.GetProperty("storage").GetProperty("services").EnumerateArray(),
            s => Assert.False(string.IsNullOrEmpty(s.GetProperty("error").GetString())));
    }

    [Fact]
    public async Task Version_ReturnsAirflowShape()
    {
        var (app, client) = await GaleTestHost.StartAsync(azurite.Account, host: host);
        await using var running = app;

        using var json = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/v1/version", UriKind.Relative)));

        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("version").GetString()));
        Assert.True(json.RootElement.TryGetProperty("git_version", out _));
    }
}

/// <summary>Health and version through <c>gale serve</c>.</summary>
public sealed class HealthEndpointTestsOnServe(AzuriteFixture azurite) : HealthEndpointTests(azurite, HttpHost.Serve);

/// <summary>Health and version through the Function App's <c>health</c> and <c>http</c> functions.</summary>
public sealed class HealthEndpointTestsOnFunctions(AzuriteFixture azurite) : HealthEndpointTests(azurite, HttpHost.Functions);

/// <summary>Gale's own tables and containers.</summary>
public sealed class StorageLayoutTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task EnsureCreated_RunTwice_CreatesEveryResourceIdempotently()
    {
        await GaleStorageLayout.EnsureCreatedAsync(azurite.Account);
        await GaleStorageLayout.EnsureCreatedAsync(azurite.Account);

        foreach (var table in GaleStorageLayout.Tables)
        {
            Assert.Equal(409, (await azurite.Account.GetTableClient(table).CreateIfNotExistsAsync()).GetRawResponse().Status);
        }

        foreach (var container in GaleStorageLayout.Containers)
        {
            Assert.Null(await azurite.Account.GetBlobContainerClient(container).CreateIfNotExistsAsync());
        }
    }
}
