namespace Gale.Engine;

/// <summary>Engine and worker settings.</summary>
public sealed record EngineOptions
{
    /// <summary>This process's worker id (recorded on task instances it runs).</summary>
    public string WorkerId { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>How many task attempts this process runs at once (Airflow's core.parallelism default: 32).</summary>
    public int TaskConcurrency { get; init; } = 32;

    /// <summary>How long a received message stays hidden without a heartbeat; also the zombie threshold.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a running attempt renews its lease and records a heartbeat.</summary>
    public TimeSpan HeartbeatInterval => Lease / 4;

    /// <summary>A running attempt without a heartbeat for this long is a zombie (failed, retried if tries remain).</summary>
    public TimeSpan ZombieAfter => Lease * 2;

    /// <summary>An attempt queued this long without starting is sent again (Airflow's task_queued_timeout: 10 minutes).</summary>
    public TimeSpan StuckQueuedAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the host sweeps running runs for lost messages, overdue retries and zombies.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Shortest wait between polls of an empty queue.</summary>
    public TimeSpan MinPollInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Longest wait between polls of an empty queue (polling backs off up to this).</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Start a ready downstream attempt on this worker when it has a free slot, keeping the queue message as the durable fallback.</summary>
    public bool RunReadyTasksLocally { get; init; } = true;

    /// <summary>How many times a commit is retried after losing an optimistic-concurrency race.</summary>
    public int MaxCommitAttempts { get; init; } = 50;
}
