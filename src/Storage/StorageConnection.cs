using Azure.Core;

namespace Gale.Storage;

/// <summary>
/// Where a storage account's services live and how to authenticate to them: an account key, a SAS token, or a
/// <see cref="TokenCredential"/> (managed identity, Entra ID). Build one from a connection string with
/// <see cref="Parse"/>, from Functions-style settings with <see cref="FromSettings"/>, or directly;
/// <see cref="StorageAccountClient"/> turns it into the Azure SDK's clients.
/// </summary>
public sealed class StorageConnection
{
    /// <summary>Azurite's well-known development account name.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development account key (public, documented by Microsoft).</summary>
    public const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private StorageConnection(string accountName, Uri? blob, Uri? queue, Uri? table)
    {
        AccountName = accountName;
        BlobEndpoint = blob;
        QueueEndpoint = queue;
        TableEndpoint = table;
    }

    /// <summary>The storage account name.</summary>
    public string AccountName { get; }

    /// <summary>The blob service endpoint, or null when not configured.</summary>
    public Uri? BlobEndpoint { get; }

    /// <summary>The queue service endpoint, or null when not configured.</summary>
    public Uri? QueueEndpoint { get; }

    /// <summary>The table service endpoint, or null when not configured.</summary>
    public Uri? TableEndpoint { get; }

    /// <summary>True when the connection authenticates with the account key.</summary>
    public bool HasAccountKey => AccountKey is not null;

    /// <summary>The account key, when the connection uses one (never shown in messages).</summary>
    internal string? AccountKey { get; private init; }

    /// <summary>The SAS token (without a leading '?'), when the connection uses a shared access signature.</summary>
    public string? SharedAccessSignature { get; private init; }

    /// <summary>The token credential, when the connection uses Entra ID (for example a managed identity).</summary>
    public TokenCredential? TokenCredential { get; private init; }

    /// <summary>A connection to an account that authenticates with its account key.</summary>
    /// <exception cref="FormatException">The key is not base64.</exception>
    public static StorageConnection WithAccountKey(string accountName, string accountKey, Uri? blob, Uri? queue, Uri? table)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        ArgumentException.ThrowIfNullOrEmpty(accountKey);
        Span<byte> buffer = new byte[accountKey.Length];
        if (!Convert.TryFromBase64String(accountKey, buffer, out _))
        {
            throw new FormatException($"Storage connection: the account key of '{accountName}' is not base64.");
        }

        return new StorageConnection(accountName, blob, queue, table) { AccountKey = accountKey };
    }

    /// <summary>A connection to an account that authenticates with Entra ID through <paramref name="credential"/>.</summary>
    public static StorageConnection WithTokenCredential(string accountName, TokenCredential credential, Uri? blob, Uri? queue, Uri? table)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return new StorageConnection(accountName, blob, queue, table) { TokenCredential = credential };
    }

    /// <summary>A connection to <c>https://{account}.{service}.{endpointSuffix}</c> with Entra ID authentication.</summary>
    public static StorageConnection ForAccount(string accountName, TokenCredential credential, string endpointSuffix = "core.windows.net")
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        return WithTokenCredential(accountName, credential,
            new Uri($"https://{accountName}.blob.{endpointSuffix}"),
            new Uri($"https://{accountName}.queue.{endpointSuffix}"),
            new Uri($"https://{accountName}.table.{endpointSuffix}"));
    }

    /// <summary>The development account on Azurite's default ports of <paramref name="host"/>.</summary>
    public static StorageConnection Development(string host = "127.0.0.1", int blobPort = 10000, int queuePort = 10001, int tablePort = 10002)
    {
        return WithAccountKey(DevelopmentAccountName, DevelopmentAccountKey,
            new Uri($"http://{host}:{blobPort}/{DevelopmentAccountName}"),
            new Uri($"http://{host}:{queuePort}/{DevelopmentAccountName}"),
            new Uri($"http://{host}:{tablePort}/{DevelopmentAccountName}"));
    }

    /// <summary>
    /// Parses an Azure Storage connection string: <c>UseDevelopmentStorage=true</c>, account name and key with
    /// <c>DefaultEndpointsProtocol</c>/<c>EndpointSuffix</c>, explicit <c>BlobEndpoint</c>/<c>QueueEndpoint</c>/<c>TableEndpoint</c>,
    /// and <c>SharedAccessSignature</c>.
    /// </summary>
    /// <exception cref="FormatException">The string is malformed; the message names the problem but never the key.</exception>
    public static StorageConnection Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var settings = ParseSegments(connectionString);

        if (settings.TryGetValue("UseDevelopmentStorage", out var dev))
        {
            if (!bool.TryParse(dev, out var useDev) || !useDev)
            {
                throw new FormatException($"Storage connection string: UseDevelopmentStorage must be 'true', got '{dev}'.");
            }

            var proxy = settings.TryGetValue("DevelopmentStorageProxyUri", out var p) ? new Uri(p) : null;
            return proxy is null ? Development() : Development(proxy.Host);
        }

        settings.TryGetValue("AccountName", out var accountName);
        settings.TryGetValue("AccountKey", out var accountKey);
        settings.TryGetValue("SharedAccessSignature", out var sas);
        var protocol = settings.TryGetValue("DefaultEndpointsProtocol", out var proto) ? proto : "https";
        var suffix = settings.TryGetValue("EndpointSuffix", out var sfx) ? sfx : "core.windows.net";
        if (protocol is not ("http" or "https"))
        {
            throw new FormatException($"Storage connection string: DefaultEndpointsProtocol must be http or https, got '{protocol}'.");
        }

        Uri? Endpoint(string service, string key)
        {
            if (settings.TryGetValue(key, out var explicitUri))
            {
                if (!Uri.TryCreate(explicitUri.TrimEnd('/'), UriKind.Absolute, out var uri))
                {
                    throw new FormatException($"Storage connection string: {key} '{explicitUri}' is not an absolute URI.");
                }

                return uri;
            }

            return accountName is null ? null : new Uri($"{protocol}://{accountName}.{service}.{suffix}");
        }

        var blob = Endpoint("blob", "BlobEndpoint");
        var queue = Endpoint("queue", "QueueEndpoint");
        var table = Endpoint("table", "TableEndpoint");
        if (blob is null && queue is null && table is null)
        {
            throw new FormatException("Storage connection string: it names no AccountName and no BlobEndpoint, QueueEndpoint or TableEndpoint.");
        }

        if (accountKey is not null)
        {
            if (accountName is null)
            {
                throw new FormatException("Storage connection string: AccountKey is given without AccountName.");
            }

            return WithAccountKey(accountName, accountKey, blob, queue, table);
        }

        if (sas is not null)
        {
            var name = accountName ?? (blob ?? queue ?? table)!.Host.Split('.')[0];
            return new StorageConnection(name, blob, queue, table) { SharedAccessSignature = sas.TrimStart('?') };
        }

        throw new FormatException("Storage connection string: it has neither AccountKey nor SharedAccessSignature. For managed identity, configure an account name without a connection string.");
    }

    /// <summary>
    /// Builds a connection from Functions-style settings under <paramref name="prefix"/> (default <c>AzureWebJobsStorage</c>):
    /// either a connection string in <c>{prefix}</c>, or identity-based settings <c>{prefix}__accountName</c> or
    /// <c>{prefix}__blobServiceUri</c>/<c>__queueServiceUri</c>/<c>__tableServiceUri</c>, with optional
    /// <c>{prefix}__credential=managedidentity</c> and <c>{prefix}__clientId</c>.
    /// </summary>
    /// <returns>The connection, or null when none of the settings is present.</returns>
    public static StorageConnection? FromSettings(Func<string, string?> setting, string prefix = "AzureWebJobsStorage")
    {
        ArgumentNullException.ThrowIfNull(setting);
        var connectionString = setting(prefix);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return Parse(connectionString);
        }

        var accountName = setting($"{prefix}__accountName");
        var blob = OptionalUri(setting, $"{prefix}__blobServiceUri");
        var queue = OptionalUri(setting, $"{prefix}__queueServiceUri");
        var table = OptionalUri(setting, $"{prefix}__tableServiceUri");
        if (accountName is null && blob is null && queue is null && table is null)
        {
            return null;
        }

        var credential = FunctionsIdentity.Credential(setting, prefix);

        if (accountName is not null)
        {
            blob ??= new Uri($"https://{accountName}.blob.core.windows.net");
            queue ??= new Uri($"https://{accountName}.queue.core.windows.net");
            table ??= new Uri($"https://{accountName}.table.core.windows.net");
        }

        accountName ??= (blob ?? queue ?? table)!.Host.Split('.')[0];
        return WithTokenCredential(accountName, credential, blob, queue, table);
    }

    /// <summary>
    /// The connection string the Azure SDK clients are built from, for key and SAS connections (null for a token
    /// credential). It holds the account key: never log it.
    /// </summary>
    public string? SdkConnectionString()
    {
        if (AccountKey is null && SharedAccessSignature is null)
        {
            return null;
        }

        var parts = new List<string>();
        if (AccountKey is not null)
        {
            var scheme = (BlobEndpoint ?? QueueEndpoint ?? TableEndpoint)!.Scheme;
            parts.Add($"DefaultEndpointsProtocol={scheme}");
            parts.Add($"AccountName={AccountName}");
            parts.Add($"AccountKey={AccountKey}");
        }

        if (BlobEndpoint is not null) parts.Add($"BlobEndpoint={BlobEndpoint.AbsoluteUri.TrimEnd('/')}");
        if (QueueEndpoint is not null) parts.Add($"QueueEndpoint={QueueEndpoint.AbsoluteUri.TrimEnd('/')}");
        if (TableEndpoint is not null) parts.Add($"TableEndpoint={TableEndpoint.AbsoluteUri.TrimEnd('/')}");
        if (SharedAccessSignature is not null) parts.Add($"SharedAccessSignature={SharedAccessSignature}");
        return string.Join(';', parts);
    }

    private static Uri? OptionalUri(Func<string, string?> setting, string key)
    {
        var value = setting(key);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return Uri.TryCreate(value.TrimEnd('/'), UriKind.Absolute, out var uri)
            ? uri
            : throw new FormatException($"Setting {key}: '{value}' is not an absolute URI.");
    }

    private static Dictionary<string, string> ParseSegments(string connectionString)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var raw in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                var name = eq < 0 ? raw : "(empty)";
                throw new FormatException($"Storage connection string: segment '{Redact(name)}' is not of the form Name=Value.");
            }

            var key = raw[..eq].Trim();
            if (!settings.TryAdd(key, raw[(eq + 1)..].Trim()))
            {
                throw new FormatException($"Storage connection string: '{key}' appears more than once.");
            }
        }

        if (settings.Count == 0)
        {
            throw new FormatException("Storage connection string is empty.");
        }

        return settings;
    }

    // A segment without '=' may be a pasted key; show only its start.
    private static string Redact(string segment) => segment.Length <= 12 ? segment : segment[..12] + "…";
}
