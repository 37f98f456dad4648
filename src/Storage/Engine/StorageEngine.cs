using Gale.Engine;
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
        new(Account(account).GetQueueClient("tasks"), clock);

    /// <summary>The control queue.</summary>
    public static StorageMessageQueue ControlQueue(StorageAccountClient account, TimeProvider clock) =>
        new(Account(account).GetQueueClient("control"), clock);

    /// <summary>The XCom store.</summary>
    public static TableXComStore XComStore(StorageAccountClient account) =>
        new(Account(account).GetTableClient("xcom"), account.GetBlobContainerClient("xcom"));

    /// <summary>An engine host (engine, task worker, control worker) on the account. Call <see cref="GaleStorageLayout.EnsureCreatedAsync"/> first.</summary>
    public static EngineHost CreateHost(StorageAccountClient account, IDagRegistry dags, EngineOptions options, TimeProvider? clock = null, ILoggerFactory? loggers = null)
    {
        clock ??= TimeProvider.System;
        return new EngineHost(RunStore(account), dags, TaskQueue(account, clock), ControlQueue(account, clock), XComStore(account), clock, options, loggers);
    }

    private static StorageAccountClient Account(StorageAccountClient account) => account ?? throw new ArgumentNullException(nameof(account));
}
