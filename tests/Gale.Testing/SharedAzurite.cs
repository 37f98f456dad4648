using Gale.Storage;
using Gale.Storage.Local;
using Xunit;

namespace Gale.Testing;

/// <summary>
/// One Azurite per test process, started on first use on free loopback ports in a temporary folder and stopped when
/// the process exits. Test classes share it and isolate themselves with unique resource names.
/// </summary>
public static class SharedAzurite
{
    private static readonly Lazy<Task<AzuriteServer>> Server = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The shared server, started if needed.</summary>
    public static Task<AzuriteServer> GetAsync() => Server.Value;

    private static async Task<AzuriteServer> StartAsync()
    {
        var server = await AzuriteServer.StartAsync(new AzuriteOptions { Log = line => Console.Error.WriteLine($"[azurite] {line}") });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }
}

/// <summary>xunit fixture giving a test class the shared Azurite and a storage client for it.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>The running Azurite.</summary>
    public AzuriteServer Server { get; private set; } = null!;

    /// <summary>A client for Azurite's development account.</summary>
    public StorageAccountClient Account { get; private set; } = null!;

    /// <summary>A new, empty table with a unique name.</summary>
    public async Task<Azure.Data.Tables.TableClient> NewTableAsync()
    {
        var table = Account.GetTableClient("t" + Guid.NewGuid().ToString("N")[..20]);
        await table.CreateIfNotExistsAsync();
        return table;
    }

    /// <summary>A new, empty queue with a unique name, using <paramref name="encoding"/>.</summary>
    public async Task<Azure.Storage.Queues.QueueClient> NewQueueAsync(Azure.Storage.Queues.QueueMessageEncoding encoding = Azure.Storage.Queues.QueueMessageEncoding.Base64)
    {
        var account = new StorageAccountClient(Server.Connection, new StorageClientOptions { MessageEncoding = encoding });
        var queue = account.GetQueueClient("q" + Guid.NewGuid().ToString("N")[..20]);
        await queue.CreateIfNotExistsAsync();
        return queue;
    }

    /// <summary>A new, empty blob container with a unique name.</summary>
    public async Task<Azure.Storage.Blobs.BlobContainerClient> NewContainerAsync()
    {
        var container = Account.GetBlobContainerClient("c" + Guid.NewGuid().ToString("N")[..20]);
        await container.CreateIfNotExistsAsync();
        return container;
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Server = await SharedAzurite.GetAsync();
        Account = new StorageAccountClient(Server.Connection);
    }

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>Test conveniences on the SDK's queue client.</summary>
public static class QueueTestExtensions
{
    /// <summary>The poison queue beside <paramref name="queue"/> (<c>&lt;queue&gt;-poison</c>), on the same account and credentials.</summary>
    public static Azure.Storage.Queues.QueueClient GetPoisonQueueClient(this Azure.Storage.Queues.QueueClient queue) =>
        Azure.Storage.Queues.Specialized.SpecializedQueueExtensions.GetParentQueueServiceClient(queue).GetQueueClient(queue.Name + StorageAccountClient.PoisonSuffix);
}
