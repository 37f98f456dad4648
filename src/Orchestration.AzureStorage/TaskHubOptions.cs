namespace Gale.Orchestration.AzureStorage;

/// <summary>
/// How the Durable Task runtime runs DAG-run orchestrations on Azure Storage. The defaults favour latency on a small
/// host: a short queue polling ceiling (the backend backs off to 30 s when idle otherwise), one partition per core.
/// </summary>
public sealed record TaskHubOptions
{
    /// <summary>The task hub's name: its queues, tables and containers start with it (letters and digits).</summary>
    public string HubName { get; init; } = "gale";

    /// <summary>Control-queue partitions: how many hosts can share the orchestrations (1 to 16).</summary>
    public int PartitionCount { get; init; } = 4;

    /// <summary>The longest wait between polls of an idle queue.</summary>
    public TimeSpan MaxQueuePollingInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Activities (task tries) this host runs at once.</summary>
    public int MaxConcurrentActivities { get; init; } = 32;

    /// <summary>Orchestration episodes this host runs at once.</summary>
    public int MaxConcurrentOrchestrations { get; init; } = 16;

    /// <summary>Keep orchestrations in memory between episodes (fewer history reads; needs sticky partitions).</summary>
    public bool ExtendedSessions { get; init; }

    /// <summary>Messages read from a control queue per poll.</summary>
    public int ControlQueueBatchSize { get; init; } = 32;
}
