using Gale.Storage.Blobs;
using Gale.Storage.Pipeline;
using Gale.Storage.Queues;
using Gale.Storage.Tables;

namespace Gale.Storage;

/// <summary>The entry point to one storage account: hands out table, queue and blob container clients that share pipelines.</summary>
public sealed class StorageAccountClient
{
    private readonly Lazy<StoragePipeline> _tables;
    private readonly Lazy<StoragePipeline> _queues;
    private readonly Lazy<StoragePipeline> _blobs;

    /// <summary>Creates a client for the account <paramref name="connection"/> describes.</summary>
    public StorageAccountClient(StorageConnection connection, StorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Connection = connection;
        Options = options ?? new StorageClientOptions();
        _tables = new(() => StoragePipeline.Create(connection, Require(connection.TableEndpoint, "table"), tableService: true, Options));
        _queues = new(() => StoragePipeline.Create(connection, Require(connection.QueueEndpoint, "queue"), tableService: false, Options));
        _blobs = new(() => StoragePipeline.Create(connection, Require(connection.BlobEndpoint, "blob"), tableService: false, Options));
    }

    /// <summary>Creates a client from a storage connection string.</summary>
    public StorageAccountClient(string connectionString, StorageClientOptions? options = null)
        : this(StorageConnection.Parse(connectionString), options)
    {
    }

    /// <summary>The account's endpoints and credential.</summary>
    public StorageConnection Connection { get; }

    /// <summary>The options every client of this account uses.</summary>
    public StorageClientOptions Options { get; }

    /// <summary>A client for the table <paramref name="tableName"/>.</summary>
    public TableClient GetTableClient(string tableName) => new(_tables.Value, tableName);

    /// <summary>A client for the queue <paramref name="queueName"/>.</summary>
    public QueueClient GetQueueClient(string queueName) => new(_queues.Value, queueName, Options.MessageEncoding);

    /// <summary>A client for the blob container <paramref name="containerName"/>.</summary>
    public BlobContainerClient GetBlobContainerClient(string containerName) => new(_blobs.Value, containerName);

    private static Uri Require(Uri? endpoint, string service) =>
        endpoint ?? throw new InvalidOperationException($"The storage connection has no {service} endpoint.");
}
