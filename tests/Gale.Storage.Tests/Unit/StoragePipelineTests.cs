using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using Gale.Storage.Tables;

namespace Gale.Storage.Tests.Unit;

/// <summary>The SDK clients as <see cref="StorageAccountClient"/> configures them: retries, errors, credentials, against a scripted transport.</summary>
public sealed class StoragePipelineTests
{
    private const string EntityJson = "{\"PartitionKey\":\"p\",\"RowKey\":\"r\",\"odata.etag\":\"W/\\\"1\\\"\"}";

    private static (StorageAccountClient Account, ScriptedHandler Handler) Create(StorageConnection connection, params Func<HttpRequestMessage, HttpResponseMessage>[] script)
    {
        var handler = new ScriptedHandler(script);
        var options = new StorageClientOptions
        {
            Transport = new HttpClientTransport(new HttpClient(handler)),
            RetryDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(5),
            MaxRetries = 3,
        };
        return (new StorageAccountClient(connection, options), handler);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Send_RetriableStatus_RetriedUntilSuccess(int status)
    {
        var (account, handler) = Create(StorageConnection.Development(), ScriptedHandler.Status(status), ScriptedHandler.Status(status), ScriptedHandler.Status(200, EntityJson));

        var entity = (await account.GetTableClient("runs").GetEntityAsync<TableEntity>("p", "r")).Value;

        Assert.Equal("r", entity.RowKey);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(412)]
    public async Task Send_ClientError_NotRetried(int status)
    {
        var (account, handler) = Create(StorageConnection.Development(), ScriptedHandler.Status(status), ScriptedHandler.Status(200, EntityJson));

        var e = await Assert.ThrowsAnyAsync<RequestFailedException>(() => account.GetTableClient("runs").GetEntityAsync<TableEntity>("p", "r"));

        Assert.Equal(status, e.Status);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Send_RetriesExhausted_ThrowsLastError()
    {
        var (account, handler) = Create(StorageConnection.Development(), ScriptedHandler.Status(503));

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => account.GetTableClient("runs").GetEntityAsync<TableEntity>("p", "r"));

        Assert.Equal(503, e.Status);
        Assert.Equal(4, handler.Requests.Count);
    }

    [Fact]
    public async Task Error_TableJsonBody_CarriesCodeMessageAndRequestId()
    {
        const string body = "{\"odata.error\":{\"code\":\"ResourceNotFound\",\"message\":{\"lang\":\"en-US\",\"value\":\"The specified resource does not exist.\"}}}";
        var (account, _) = Create(StorageConnection.Development(), ScriptedHandler.Status(404, body));

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => account.GetTableClient("runs").GetEntityAsync<TableEntity>("p", "r"));

        Assert.Equal("ResourceNotFound", e.ErrorCode);
        Assert.True(e.IsNotFound());
        Assert.Contains("The specified resource does not exist.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Error_BlobXmlBody_CarriesCode()
    {
        const string body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>ContainerNotFound</Code><Message>The specified container does not exist.\nRequestId:x</Message></Error>";
        var (account, _) = Create(StorageConnection.Development(), ScriptedHandler.Status(404, body, "application/xml"));

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => account.GetBlobContainerClient("logs").GetBlobsAsync(BlobTraits.None, BlobStates.None, null, CancellationToken.None).AsPages().FirstAsync().AsTask());

        Assert.Equal("ContainerNotFound", e.ErrorCode);
        Assert.Contains("The specified container does not exist.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Error_412_IsConflict()
    {
        var (account, _) = Create(StorageConnection.Development(), ScriptedHandler.Status(412, "{\"odata.error\":{\"code\":\"UpdateConditionNotSatisfied\",\"message\":{\"value\":\"x\"}}}"));

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => account.GetTableClient("runs").UpdateAsync(new TableEntity("p", "r"), new ETag("W/\"1\""), TableUpdateMode.Merge));

        Assert.Equal("UpdateConditionNotSatisfied", e.ErrorCode);
        Assert.True(e.IsConflict());
        Assert.False(e.IsAlreadyExists());
    }

    [Fact]
    public async Task SharedKey_SignsEveryRequestWithFreshDateAndVersion()
    {
        var (account, handler) = Create(StorageConnection.Development(), ScriptedHandler.Status(503), ScriptedHandler.Status(201, "<QueueMessagesList><QueueMessage><MessageId>m</MessageId><PopReceipt>p</PopReceipt></QueueMessage></QueueMessagesList>", "application/xml"));

        await account.GetQueueClient("tasks").SendMessageAsync("hi");

        Assert.All(handler.Requests, r =>
        {
            Assert.StartsWith("SharedKey devstoreaccount1:", r.Headers.Authorization!.ToString(), StringComparison.Ordinal);
            Assert.True(r.Headers.Contains("x-ms-date"));
            Assert.False(string.IsNullOrEmpty(r.Headers.GetValues("x-ms-version").Single()));
        });
    }

    [Fact]
    public async Task TokenCredential_SendsBearerTokenForStorageScope()
    {
        var credential = new StaticTokenCredential();
        var connection = StorageConnection.ForAccount("galeprod", credential);
        var (account, handler) = Create(connection, ScriptedHandler.Status(200, "{\"value\":[]}"));

        await account.GetTableClient("runs").QueryAsync<TableEntity>().AsPages().FirstAsync();

        var request = Assert.Single(handler.Requests);
        Assert.Equal("Bearer token-for-https://storage.azure.com/.default", request.Headers.Authorization!.ToString());
        Assert.Equal("https://galeprod.table.core.windows.net/runs()", request.RequestUri!.GetLeftPart(UriPartial.Path));
    }

    [Fact]
    public async Task SharedAccessSignature_AppendedToQuery()
    {
        var connection = StorageConnection.Parse("BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature=?sv=2023&sig=abc");
        var (account, handler) = Create(connection, ScriptedHandler.Status(201));

        await account.GetBlobContainerClient("dags").GetBlobClient("a.yaml").UploadAsync(BinaryData.FromString("x"), new BlobUploadOptions());

        var request = Assert.Single(handler.Requests);
        Assert.Contains("sv=2023&sig=abc", request.RequestUri!.Query, StringComparison.Ordinal);
        Assert.Null(request.Headers.Authorization);
    }

    private sealed class StaticTokenCredential : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new($"token-for-{string.Join(' ', requestContext.Scopes)}", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
