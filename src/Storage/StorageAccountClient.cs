using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Gale.Storage;

/// <summary>
/// The entry point to one storage account: the Azure SDK's table, queue and blob service clients for the account a
/// <see cref="StorageConnection"/> describes, configured once with Gale's <see cref="StorageClientOptions"/>. The
/// clients it hands out are the SDK's own; Gale adds only the name checks that give a clear error before a request.
/// </summary>
public sealed partial class StorageAccountClient
{
    private readonly Lazy<TableServiceClient> _tables;
    private readonly Lazy<QueueServiceClient> _queues;
    private readonly Lazy<BlobServiceClient> _blobs;

    /// <summary>Creates a client for the account <paramref name="connection"/> describes.</summary>
    public StorageAccountClient(StorageConnection connection, StorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Connection = connection;
        Options = options ?? new StorageClientOptions();
        var connectionString = connection.SdkConnectionString();
        _tables = new(() =>
        {
            var endpoint = Require(connection.TableEndpoint, "table");
            var tableOptions = Options.Apply(new TableClientOptions());
            return connectionString is not null ? new TableServiceClient(connectionString, tableOptions) : new TableServiceClient(endpoint, connection.TokenCredential!, tableOptions);
        });
        _queues = new(() =>
        {
            var endpoint = Require(connection.QueueEndpoint, "queue");
            var queueOptions = Options.Apply(new QueueClientOptions { MessageEncoding = Options.MessageEncoding });
            return connectionString is not null ? new QueueServiceClient(connectionString, queueOptions) : new QueueServiceClient(endpoint, connection.TokenCredential!, queueOptions);
        });
        _blobs = new(() =>
        {
            var endpoint = Require(connection.BlobEndpoint, "blob");
            var blobOptions = Options.Apply(new BlobClientOptions());
            return connectionString is not null ? new BlobServiceClient(connectionString, blobOptions) : new BlobServiceClient(endpoint, connection.TokenCredential!, blobOptions);
        });
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

    /// <summary>The SDK's table service client.</summary>
    public TableServiceClient Tables => _tables.Value;

    /// <summary>The SDK's queue service client.</summary>
    public QueueServiceClient Queues => _queues.Value;

    /// <summary>The SDK's blob service client.</summary>
    public BlobServiceClient Blobs => _blobs.Value;

    /// <summary>A client for the table <paramref name="tableName"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a valid table name.</exception>
    public TableClient GetTableClient(string tableName)
    {
        if (!TableNamePattern().IsMatch(tableName ?? string.Empty))
        {
            throw new ArgumentException($"Table name '{tableName}' is invalid: it must be 3 to 63 letters or digits and start with a letter.", nameof(tableName));
        }

        return Tables.GetTableClient(tableName);
    }

    /// <summary>A client for the queue <paramref name="queueName"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a valid queue name.</exception>
    public QueueClient GetQueueClient(string queueName)
    {
        CheckLowercaseName(queueName, "Queue", nameof(queueName));
        return Queues.GetQueueClient(queueName);
    }

    /// <summary>The poison queue of <paramref name="queueName"/> (<c>&lt;queue&gt;-poison</c>), as the Functions host names it.</summary>
    public QueueClient GetPoisonQueueClient(string queueName) => GetQueueClient(queueName + PoisonSuffix);

    /// <summary>The suffix of a poison queue's name.</summary>
    public const string PoisonSuffix = "-poison";

    /// <summary>A client for the blob container <paramref name="containerName"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a valid container name.</exception>
    public BlobContainerClient GetBlobContainerClient(string containerName)
    {
        CheckLowercaseName(containerName, "Container", nameof(containerName));
        return Blobs.GetBlobContainerClient(containerName);
    }

    private static void CheckLowercaseName(string name, string kind, string parameter)
    {
        if (!LowercaseNamePattern().IsMatch(name ?? string.Empty) || name!.Contains("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{kind} name '{name}' is invalid: it must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.", parameter);
        }
    }

    private static Uri Require(Uri? endpoint, string service) =>
        endpoint ?? throw new InvalidOperationException($"The storage connection has no {service} endpoint.");

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    private static partial Regex TableNamePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex LowercaseNamePattern();
}
