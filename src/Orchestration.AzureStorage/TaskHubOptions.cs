using System.Text.RegularExpressions;
using Gale.Engine;

namespace Gale.Orchestration.AzureStorage;

/// <summary>
/// How the Durable Task runtime runs DAG-run orchestrations on Azure Storage. The defaults favour latency on a small
/// host: a short queue polling ceiling (the backend backs off to 30 s when idle otherwise), one partition per core.
/// </summary>
public sealed partial record TaskHubOptions
{
    /// <summary>Setting: the task hub's name (default <c>gale</c>).</summary>
    public const string HubNameSetting = "GALE_TASKHUB_NAME";

    /// <summary>Setting: control-queue partitions (default 4).</summary>
    public const string PartitionsSetting = "GALE_TASKHUB_PARTITIONS";

    /// <summary>Setting: the longest idle queue poll in milliseconds (default 100).</summary>
    public const string PollingSetting = "GALE_TASKHUB_MAX_POLLING_MS";

    /// <summary>Setting: task tries this host runs at once (default 32).</summary>
    public const string ActivitiesSetting = "GALE_TASKHUB_MAX_ACTIVITIES";

    /// <summary>Setting: orchestration episodes this host runs at once (default 16).</summary>
    public const string OrchestrationsSetting = "GALE_TASKHUB_MAX_ORCHESTRATIONS";

    /// <summary>Setting: extended sessions, true or false (default false).</summary>
    public const string ExtendedSessionsSetting = "GALE_TASKHUB_EXTENDED_SESSIONS";

    /// <summary>Setting: seconds before a message a dead host was working on is delivered again (default 60).</summary>
    public const string RecoverySetting = "GALE_TASKHUB_RECOVERY_SECONDS";

    /// <summary>The shortest <see cref="RecoverySetting"/>: the backend renews a running try's message 30 s before it shows again, checking every 5 s.</summary>
    public const int MinimumRecoverySeconds = 40;

    /// <summary>Setting: task tries one history of a run holds before the run goes on in a fresh one (default 2000).</summary>
    public const string TriesPerHistorySetting = "GALE_TASKHUB_TRIES_PER_HISTORY";

    /// <summary>Setting: seconds a host's partition lease lasts without renewal (default 30).</summary>
    public const string LeaseSetting = "GALE_TASKHUB_LEASE_SECONDS";

    /// <summary>The options the settings give (absent ones keep their defaults).</summary>
    /// <exception cref="FormatException">A setting is malformed; the message names it.</exception>
    public static TaskHubOptions FromSettings(Func<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var defaults = new TaskHubOptions();
        var name = settings(HubNameSetting)?.Trim() is { Length: > 0 } given ? given : defaults.HubName;
        if (!ValidName().IsMatch(name))
        {
            throw new FormatException($"setting {HubNameSetting}: '{name}' is not a task hub name (3 to 45 letters and digits, starting with a letter).");
        }

        var partitions = GaleSettings.Count(settings, PartitionsSetting, defaults.PartitionCount);
        if (partitions > 16)
        {
            throw new FormatException($"setting {PartitionsSetting}: {partitions} partitions; the Azure Storage backend allows 1 to 16.");
        }

        var recovery = GaleSettings.Count(settings, RecoverySetting, (int)defaults.MessageVisibility.TotalSeconds);
        if (recovery < MinimumRecoverySeconds)
        {
            throw new FormatException($"setting {RecoverySetting}: {recovery} s; at least {MinimumRecoverySeconds} (a live host renews a message 30 s before it would show again).");
        }

        return defaults with
        {
            HubName = name,
            PartitionCount = partitions,
            MaxQueuePollingInterval = TimeSpan.FromMilliseconds(GaleSettings.Count(settings, PollingSetting, (int)defaults.MaxQueuePollingInterval.TotalMilliseconds)),
            MaxConcurrentActivities = GaleSettings.Count(settings, ActivitiesSetting, defaults.MaxConcurrentActivities),
            MaxConcurrentOrchestrations = GaleSettings.Count(settings, OrchestrationsSetting, defaults.MaxConcurrentOrchestrations),
            ExtendedSessions = GaleSettings.Flag(settings, ExtendedSessionsSetting, defaults.ExtendedSessions),
            MessageVisibility = TimeSpan.FromSeconds(recovery),
            LeaseInterval = TimeSpan.FromSeconds(GaleSettings.Count(settings, LeaseSetting, (int)defaults.LeaseInterval.TotalSeconds)),
            TriesPerHistory = GaleSettings.Count(settings, TriesPerHistorySetting, defaults.TriesPerHistory),
        };
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex ValidName();

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

    /// <summary>
    /// How long a message a host is working on (an episode, a try) stays hidden; a live host renews it, so this is how
    /// soon the work of a host that died is taken up by another (the backend's default is 5 minutes).
    /// </summary>
    public TimeSpan MessageVisibility { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a host holds a control-queue partition without renewing it: how soon a dead host's runs move.</summary>
    public TimeSpan LeaseInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Task tries one history of a run holds (see <see cref="DagRunTaskOptions.TriesPerHistory"/>).</summary>
    public int TriesPerHistory { get; init; } = Gale.Orchestration.Runs.DagRunOrchestrator.DefaultTriesPerHistory;

    /// <summary>How often a running try looks whether a person changed its task instance (Airflow's job heartbeat).</summary>
    public TimeSpan TryCheckInterval { get; init; } = Gale.Orchestration.Activities.TryWatch.DefaultInterval;
}
