using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Gale.Storage.Pipeline;

/// <summary>
/// One service endpoint plus the Azure.Core pipeline that reaches it (retries, logging, authentication).
/// Every storage client sends through <see cref="SendAsync"/>, which turns error responses into <see cref="StorageException"/>.
/// </summary>
internal sealed class StoragePipeline
{
    private const string StorageScope = "https://storage.azure.com/.default";

    private StoragePipeline(HttpPipeline pipeline, Uri endpoint)
    {
        Pipeline = pipeline;
        Endpoint = endpoint;
    }

    public HttpPipeline Pipeline { get; }

    public Uri Endpoint { get; }

    public static StoragePipeline Create(StorageConnection connection, Uri endpoint, bool tableService, StorageClientOptions options)
    {
        HttpPipelinePolicy auth = connection switch
        {
            { SharedKey: { } key } => new SharedKeyPolicy(key, tableService),
            { TokenCredential: { } token } => new BearerTokenAuthenticationPolicy(token, StorageScope),
            { SharedAccessSignature: { } sas } => new SasPolicy(sas),
            _ => throw new InvalidOperationException("The storage connection has no credential."),
        };
        var version = tableService ? StorageClientOptions.TableServiceVersion : StorageClientOptions.BlobQueueServiceVersion;
        var pipeline = HttpPipelineBuilder.Build(
            options,
            perCallPolicies: [],
            perRetryPolicies: [new StorageHeadersPolicy(version, tableService), auth],
            StorageResponseClassifier.Instance);
        return new StoragePipeline(pipeline, endpoint);
    }

    /// <summary>Creates a message for <c>{endpoint}/{path}</c>; each path segment is escaped.</summary>
    public HttpMessage CreateMessage(RequestMethod method, params string[] pathSegments)
    {
        var message = Pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        request.Uri.Reset(Endpoint);
        foreach (var segment in pathSegments)
        {
            request.Uri.AppendPath("/", escape: false);
            request.Uri.AppendPath(segment, escape: true);
        }

        return message;
    }

    /// <summary>Sends the message and throws <see cref="StorageException"/> (or <see cref="ConcurrencyConflictException"/>) on an error status.</summary>
    public async ValueTask<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await Pipeline.SendAsync(message, cancellationToken);
        var response = message.Response;
        if (response.IsError)
        {
            throw await StorageErrors.CreateAsync(message, cancellationToken);
        }

        return response;
    }

    /// <summary>Sends the message; a 404 returns false instead of throwing (deletes of things already gone).</summary>
    public async ValueTask<bool> SendUnlessNotFoundAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(message, cancellationToken);
            return true;
        }
        catch (StorageException e) when (e.IsNotFound)
        {
            return false;
        }
    }
}
