using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Queues;

namespace Gale.Storage;

/// <summary>
/// How Gale configures the Azure SDK's table, queue and blob clients: retries, network timeout, extra pipeline
/// policies and the queue message encoding. One set of options applies to all three services of an account.
/// </summary>
public sealed class StorageClientOptions
{
    private readonly List<(HttpPipelinePolicy Policy, HttpPipelinePosition Position)> _policies = [];

    /// <summary>Retries after the first attempt (exponential back-off). Default 5.</summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>The first retry delay. Default 200 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest retry delay. Default 30 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one try may take on the network. Default 100 s.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>How queue message text is encoded on the wire. The Functions host's queue trigger expects <see cref="QueueMessageEncoding.Base64"/>.</summary>
    public QueueMessageEncoding MessageEncoding { get; set; } = QueueMessageEncoding.Base64;

    /// <summary>The HTTP transport (default: the SDK's). Unit tests set a scripted one.</summary>
    public HttpPipelineTransport? Transport { get; set; }

    /// <summary>Adds a policy to every client's pipeline (for example a request counter in the benchmarks).</summary>
    public void AddPolicy(HttpPipelinePolicy policy, HttpPipelinePosition position)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policies.Add((policy, position));
    }

    /// <summary>Copies these settings onto an SDK client's options.</summary>
    internal T Apply<T>(T options)
        where T : ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = RetryDelay;
        options.Retry.MaxDelay = MaxRetryDelay;
        options.Retry.NetworkTimeout = NetworkTimeout;
        if (Transport is not null)
        {
            options.Transport = Transport;
        }

        foreach (var (policy, position) in _policies)
        {
            options.AddPolicy(policy, position);
        }

        return options;
    }
}
