using Gale.Engine;
using Gale.Limits;
using Microsoft.Extensions.Logging;

namespace Gale.Storage.Engine;

/// <summary>Wires Gale's engine to an Azure Storage account (the <c>runs</c> and <c>xcom</c> tables, the <c>tasks</c> and <c>control</c> queues).</summary>
public static class StorageEngine
{
    /// <summary>The run store on the account's <c>runs</c> table.</summary>
    public static TableRunStore RunStore(StorageAccountClient account) =>
        new(Account(account).GetTableClient("runs"));

    /// <summary>The task queue.</summary>
    public static StorageMessageQueue TaskQueue(StorageAccountClient account, TimeProvider clock) =>
        new(Account(account).GetQueueClient("tasks"), clock, account.GetPoisonQueueClient("tasks"));

    /// <summary>The control queue.</summary>
    public static StorageMessageQueue ControlQueue(StorageAccountClient account, TimeProvider clock) =>
        new(Account(account).GetQueueClient("control"), clock, account.GetPoisonQueueClient("control"));

    /// <summary>The XCom store; values above <paramref name="offloadThresholdBytes"/> go to the <c>xcom</c> container.</summary>
    public static TableXComStore XComStore(StorageAccountClient account, int offloadThresholdBytes = GaleSettings.DefaultXComOffloadThresholdBytes) =>
        new(Account(account).GetTableClient("xcom"), account.GetBlobContainerClient("xcom"), offloadThresholdBytes);

    /// <summary>The DAG scheduler-state store (the <c>dags</c> table).</summary>
    public static TableDagStateStore DagStateStore(StorageAccountClient account) => new(Account(account).GetTableClient("dags"));

    /// <summary>The pool definitions (the <c>pools</c> table).</summary>
    public static TablePoolStore PoolStore(StorageAccountClient account) => new(Account(account).GetTableClient("pools"));

    /// <summary>The variable store.</summary>
    public static TableVariableStore VariableStore(StorageAccountClient account) => new(Account(account).GetTableClient("variables"));

    /// <summary>The task log store.</summary>
    public static BlobTaskLogStore TaskLogStore(StorageAccountClient account) => new(Account(account).GetBlobContainerClient("logs"));

    /// <summary>The asset event store.</summary>
    public static TableAssetEventStore AssetEventStore(StorageAccountClient account) => new(Account(account).GetTableClient("assetevents"));

    /// <summary>The per-DAG asset queues and runs' triggering events.</summary>
    public static TableAssetQueue AssetQueue(StorageAccountClient account) => new(Account(account).GetTableClient("assetqueue"), Account(account).GetTableClient("runassetevents"));

    /// <summary>The watcher watermarks.</summary>
    public static TableWatermarkStore WatermarkStore(StorageAccountClient account) => new(Account(account).GetTableClient("watermarks"));

    /// <summary>The rendered-field store.</summary>
    public static TableRenderedFieldStore RenderedFieldStore(StorageAccountClient account) => new(Account(account).GetTableClient("rendered"));

    /// <summary>Task services on the account; <paramref name="settings"/> supplies <c>GALE_*</c> settings (default: the environment).</summary>
    /// <exception cref="FormatException">A setting is malformed; the message names it.</exception>
    public static TaskServices Services(StorageAccountClient account, Func<string, string?>? settings = null, Func<IEnumerable<KeyValuePair<string, string>>>? allSettings = null)
    {
        settings ??= Environment.GetEnvironmentVariable;
        var threshold = GaleSettings.Bytes(settings, GaleSettings.XComOffloadThresholdBytes, GaleSettings.DefaultXComOffloadThresholdBytes);
        return new TaskServices
        {
            XComs = XComStore(account, (int)Math.Min(threshold, int.MaxValue)),
            XComMaxBytes = GaleSettings.Bytes(settings, GaleSettings.XComMaxBytes, GaleSettings.DefaultXComMaxBytes),
            Variables = VariableStore(account),
            Logs = TaskLogStore(account),
            Rendered = RenderedFieldStore(account),
            Slots = new BlockSlotStore(new TableSlotStore(Account(account).GetTableClient("pools"))),
            Pools = new CachedPoolStore(PoolStore(account)),
            Objects = new BlobObjectProbe(Account(account)),
            TriggerState = new TableTriggerStateStore(Account(account).GetTableClient("triggerstate")),
            AssetEvents = AssetEventStore(account),
            AssetQueue = AssetQueue(account),
            Watermarks = WatermarkStore(account),
            MessageQueues = name => new StorageMessageQueue(Account(account).GetQueueClient(name), TimeProvider.System, account.GetPoisonQueueClient(name)),
            EventHubs = Gale.Storage.EventHubs.EventHubPartitionReader.FromSettings(settings),
            CleanupRegistry = new TableCleanupRegistry(Account(account).GetTableClient("cleanup")),
            Artifacts = new StorageArtifactStore(Account(account)),
            Settings = settings,
            AllSettings = allSettings ?? TaskServices.EnvironmentSettings,
        };
    }

    /// <summary>An engine host (engine, task worker, control worker) on the account. Call <see cref="GaleStorageLayout.EnsureCreatedAsync"/> first.</summary>
    /// <param name="account">The storage account.</param>
    /// <param name="dags">The DAGs this host runs.</param>
    /// <param name="options">Engine settings.</param>
    /// <param name="clock">The clock (default: system).</param>
    /// <param name="loggers">Where logs go.</param>
    /// <param name="services">Task services (default: storage-backed, settings from the environment).</param>
    /// <param name="withScheduler">Run the scheduler tick too (false for a backfill, whose runs the CLI paces).</param>
    /// <param name="schedulerOptions">How the scheduler ticks (default: every 2 seconds).</param>
    public static EngineHost CreateHost(StorageAccountClient account, IDagRegistry dags, EngineOptions options, TimeProvider? clock = null, ILoggerFactory? loggers = null, TaskServices? services = null, bool withScheduler = true, Gale.Scheduling.SchedulerOptions? schedulerOptions = null)
    {
        clock ??= TimeProvider.System;
        return new EngineHost(RunStore(account), dags, TaskQueue(account, clock), ControlQueue(account, clock), services ?? Services(account), clock, options, loggers, withScheduler ? DagStateStore(account) : null, schedulerOptions);
    }

    private static StorageAccountClient Account(StorageAccountClient account) => account ?? throw new ArgumentNullException(nameof(account));
}
