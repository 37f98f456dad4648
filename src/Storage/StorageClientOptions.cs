using Azure.Core;
using Gale.Storage.Queues;

namespace Gale.Storage;

/// <summary>Options for Gale's storage clients: Azure.Core's retry, diagnostics and transport settings plus storage specifics.</summary>
public sealed class StorageClientOptions : ClientOptions
{
    /// <summary>The x-ms-version sent to the blob and queue services.</summary>
    public const string BlobQueueServiceVersion = "2023-11-03";

    /// <summary>The x-ms-version sent to the table service.</summary>
    public const string TableServiceVersion = "2019-02-02";

    /// <summary>Creates options with storage defaults: exponential retries, 5 attempts after the first, capped at 30 s.</summary>
    public StorageClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 5;
        Retry.Delay = TimeSpan.FromMilliseconds(200);
        Retry.MaxDelay = TimeSpan.FromSeconds(30);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(100);
    }

    /// <summary>How queue message text is encoded on the wire. The Functions host's queue trigger expects <see cref="QueueMessageEncoding.Base64"/>.</summary>
    public QueueMessageEncoding MessageEncoding { get; set; } = QueueMessageEncoding.Base64;
}
