using Azure.Core;

namespace Gale.Storage.Pipeline;

/// <summary>Retries 408, 429 and every 5xx (plus transport failures, which Azure.Core classifies); nothing else.</summary>
internal sealed class StorageResponseClassifier : ResponseClassifier
{
    public static StorageResponseClassifier Instance { get; } = new();

    public override bool IsRetriableResponse(HttpMessage message) =>
        message.Response.Status is 408 or 429 or >= 500;

    public override bool IsErrorResponse(HttpMessage message) => message.Response.Status >= 400;
}
