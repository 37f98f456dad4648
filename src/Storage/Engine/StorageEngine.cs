using Gale.Engine;
using Gale.Limits;

namespace Gale.Storage.Engine;

/// <summary>
/// Gale's stores on an Azure Storage account (XComs, logs, variables, pools and slots, assets, watermarks, ...): what
/// tasks, the scheduler, the API and the CLI use beside the runs, which live in the Durable Task hub.
/// </summary>
public static class StorageEngine
{
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

    private static StorageAccountClient Account(StorageAccountClient account) => account ?? throw new ArgumentNullException(nameof(account));
}
