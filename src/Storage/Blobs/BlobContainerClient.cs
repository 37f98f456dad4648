using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Gale.Storage.Pipeline;

namespace Gale.Storage.Blobs;

/// <summary>A client for one blob container and its block blobs, shaped like Azure.Storage.Blobs' <c>BlobContainerClient</c>.</summary>
public sealed partial class BlobContainerClient
{
    private const string MetaPrefix = "x-ms-meta-";
    private readonly StoragePipeline _pipeline;

    internal BlobContainerClient(StoragePipeline pipeline, string containerName)
    {
        if (!ContainerNamePattern().IsMatch(containerName) || containerName.Contains("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Container name '{containerName}' is invalid: it must be 3 to 63 lowercase letters, digits and single hyphens, starting with a letter or digit.", nameof(containerName));
        }

        _pipeline = pipeline;
        Name = containerName;
    }

    /// <summary>The container's name.</summary>
    public string Name { get; }

    /// <summary>Creates the container if it does not exist.</summary>
    /// <returns>True when this call created it.</returns>
    public async Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Put, Name);
        message.Request.Uri.AppendQuery("restype", "container");
        try
        {
            await _pipeline.SendAsync(message, cancellationToken);
            return true;
        }
        catch (ConcurrencyConflictException e) when (e.ErrorCode == "ContainerAlreadyExists")
        {
            return false;
        }
    }

    /// <summary>Deletes the container and its blobs.</summary>
    /// <returns>False when it did not exist.</returns>
    public async Task<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Delete, Name);
        message.Request.Uri.AppendQuery("restype", "container");
        return await _pipeline.SendUnlessNotFoundAsync(message, cancellationToken);
    }

    /// <summary>Uploads a block blob in one request, optionally only if absent or only if unchanged.</summary>
    /// <exception cref="ConcurrencyConflictException">A condition failed: the blob exists (create-only) or changed (If-Match).</exception>
    public async Task<BlobContentInfo> UploadAsync(string blobName, BinaryData content, BlobConditions? conditions = null, IReadOnlyDictionary<string, string>? metadata = null, string? contentType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var message = CreateBlobMessage(RequestMethod.Put, blobName);
        var headers = message.Request.Headers;
        headers.SetValue("x-ms-blob-type", "BlockBlob");
        headers.SetValue("Content-Type", contentType ?? "application/octet-stream");
        SetConditions(message.Request, conditions);
        SetMetadata(message.Request, metadata, blobName);
        message.Request.Content = RequestContent.Create(content);
        var response = await _pipeline.SendAsync(message, cancellationToken);
        return new BlobContentInfo(response.Headers.ETag ?? default, LastModified(response));
    }

    /// <summary>Creates an empty append blob (for logs that grow while they are read); replaces an existing blob unless <paramref name="conditions"/> say otherwise.</summary>
    /// <exception cref="ConcurrencyConflictException">A condition failed (e.g. create-only and the blob exists).</exception>
    public async Task<BlobContentInfo> CreateAppendBlobAsync(string blobName, BlobConditions? conditions = null, IReadOnlyDictionary<string, string>? metadata = null, string? contentType = null, CancellationToken cancellationToken = default)
    {
        using var message = CreateBlobMessage(RequestMethod.Put, blobName);
        var headers = message.Request.Headers;
        headers.SetValue("x-ms-blob-type", "AppendBlob");
        headers.SetValue("Content-Type", contentType ?? "application/octet-stream");
        SetConditions(message.Request, conditions);
        SetMetadata(message.Request, metadata, blobName);
        message.Request.Content = RequestContent.Create(Array.Empty<byte>()); // carries Content-Type, which is signed
        var response = await _pipeline.SendAsync(message, cancellationToken);
        return new BlobContentInfo(response.Headers.ETag ?? default, LastModified(response));
    }

    /// <summary>Appends a block (at most 4 MiB) to the end of an append blob; readers see it at once.</summary>
    /// <exception cref="StorageException">404 when the blob does not exist; 409 <c>BlockCountExceedsLimit</c> after 50,000 blocks.</exception>
    public async Task<BlobContentInfo> AppendBlockAsync(string blobName, BinaryData content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.ToMemory().Length > MaxAppendBlockBytes)
        {
            throw new ArgumentException($"An append block is at most {MaxAppendBlockBytes} bytes; got {content.ToMemory().Length}.", nameof(content));
        }

        using var message = CreateBlobMessage(RequestMethod.Put, blobName);
        message.Request.Uri.AppendQuery("comp", "appendblock");
        message.Request.Content = RequestContent.Create(content);
        var response = await _pipeline.SendAsync(message, cancellationToken);
        return new BlobContentInfo(response.Headers.ETag ?? default, LastModified(response));
    }

    /// <summary>The largest block <see cref="AppendBlockAsync"/> accepts (4 MiB).</summary>
    public const int MaxAppendBlockBytes = 4 * 1024 * 1024;

    /// <summary>Downloads a blob as a stream (not buffered in memory).</summary>
    /// <exception cref="StorageException">404 when the blob does not exist.</exception>
    public async Task<BlobDownloadResult> DownloadAsync(string blobName, CancellationToken cancellationToken = default)
    {
        var message = CreateBlobMessage(RequestMethod.Get, blobName);
        message.BufferResponse = false;
        try
        {
            var response = await _pipeline.SendAsync(message, cancellationToken);
            var stream = message.ExtractResponseContent() ?? Stream.Null;
            return new BlobDownloadResult(stream, ReadProperties(response));
        }
        finally
        {
            message.Dispose();
        }
    }

    /// <summary>Reads a blob's properties and metadata.</summary>
    /// <exception cref="StorageException">404 when the blob does not exist.</exception>
    public async Task<BlobProperties> GetPropertiesAsync(string blobName, CancellationToken cancellationToken = default)
    {
        using var message = CreateBlobMessage(RequestMethod.Head, blobName);
        var response = await _pipeline.SendAsync(message, cancellationToken);
        return ReadProperties(response);
    }

    /// <summary>True when the blob exists.</summary>
    public async Task<bool> ExistsAsync(string blobName, CancellationToken cancellationToken = default)
    {
        try
        {
            await GetPropertiesAsync(blobName, cancellationToken);
            return true;
        }
        catch (StorageException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    /// <summary>Replaces a blob's metadata, optionally only if its ETag matches.</summary>
    public async Task<BlobContentInfo> SetMetadataAsync(string blobName, IReadOnlyDictionary<string, string> metadata, ETag? ifMatch = null, CancellationToken cancellationToken = default)
    {
        using var message = CreateBlobMessage(RequestMethod.Put, blobName);
        message.Request.Uri.AppendQuery("comp", "metadata");
        SetConditions(message.Request, ifMatch is null ? null : new BlobConditions { IfMatch = ifMatch });
        SetMetadata(message.Request, metadata, blobName);
        var response = await _pipeline.SendAsync(message, cancellationToken);
        return new BlobContentInfo(response.Headers.ETag ?? default, LastModified(response));
    }

    /// <summary>Deletes a blob, optionally only if its ETag matches.</summary>
    /// <returns>False when it did not exist.</returns>
    /// <exception cref="ConcurrencyConflictException">The ETag no longer matches.</exception>
    public async Task<bool> DeleteBlobAsync(string blobName, ETag? ifMatch = null, CancellationToken cancellationToken = default)
    {
        using var message = CreateBlobMessage(RequestMethod.Delete, blobName);
        SetConditions(message.Request, ifMatch is null ? null : new BlobConditions { IfMatch = ifMatch });
        return await _pipeline.SendUnlessNotFoundAsync(message, cancellationToken);
    }

    /// <summary>Lists one page of blobs whose names start with <paramref name="prefix"/>, in name order, with their metadata.</summary>
    public async Task<BlobPage> ListBlobsPageAsync(string? prefix = null, int? pageSize = null, string? continuationToken = null, CancellationToken cancellationToken = default)
    {
        if (pageSize is <= 0 or > 5000)
        {
            throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize, "A blob listing page holds 1 to 5,000 blobs.");
        }

        using var message = _pipeline.CreateMessage(RequestMethod.Get, Name);
        var uri = message.Request.Uri;
        uri.AppendQuery("restype", "container");
        uri.AppendQuery("comp", "list");
        uri.AppendQuery("include", "metadata");
        if (!string.IsNullOrEmpty(prefix)) uri.AppendQuery("prefix", prefix);
        if (pageSize is not null) uri.AppendQuery("maxresults", pageSize.Value.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(continuationToken)) uri.AppendQuery("marker", continuationToken);
        var response = await _pipeline.SendAsync(message, cancellationToken);
        var root = XDocument.Parse(response.Content.ToString()).Root!;
        var items = root.Element("Blobs")?.Elements("Blob").Select(ReadListedBlob).ToList() ?? [];
        var next = root.Element("NextMarker")?.Value;
        return new BlobPage(items, string.IsNullOrEmpty(next) ? null : next);
    }

    /// <summary>Streams every blob whose name starts with <paramref name="prefix"/>, following continuation markers.</summary>
    public async IAsyncEnumerable<BlobItem> ListBlobsAsync(string? prefix = null, int? pageSize = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? token = null;
        do
        {
            var page = await ListBlobsPageAsync(prefix, pageSize, token, cancellationToken);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            token = page.ContinuationToken;
        }
        while (token is not null);
    }

    private HttpMessage CreateBlobMessage(RequestMethod method, string blobName)
    {
        if (string.IsNullOrEmpty(blobName) || blobName.Length > 1024)
        {
            throw new ArgumentException($"Container '{Name}': blob name must be 1 to 1,024 characters.", nameof(blobName));
        }

        var message = _pipeline.CreateMessage(method, Name);
        foreach (var segment in blobName.Split('/'))
        {
            message.Request.Uri.AppendPath("/", escape: false);
            message.Request.Uri.AppendPath(Uri.EscapeDataString(segment), escape: false);
        }

        return message;
    }

    private static void SetConditions(Request request, BlobConditions? conditions)
    {
        if (conditions?.IfMatch is { } ifMatch) request.Headers.SetValue("If-Match", ifMatch.ToString());
        if (conditions?.IfNoneMatch is { } ifNoneMatch) request.Headers.SetValue("If-None-Match", ifNoneMatch.ToString());
    }

    private void SetMetadata(Request request, IReadOnlyDictionary<string, string>? metadata, string blobName)
    {
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (!MetadataNamePattern().IsMatch(key))
            {
                throw new ArgumentException($"Blob '{Name}/{blobName}': metadata name '{key}' must be a C# identifier (letters, digits, '_').", nameof(metadata));
            }

            if (value.Any(c => c > 127 || char.IsControl(c)))
            {
                throw new ArgumentException($"Blob '{Name}/{blobName}': metadata '{key}' must be printable ASCII; encode other text (for example base64).", nameof(metadata));
            }

            request.Headers.SetValue(MetaPrefix + key, value);
        }
    }

    private static BlobProperties ReadProperties(Response response)
    {
        response.Headers.TryGetValue("Content-Type", out var contentType);
        var metadata = response.Headers
            .Where(h => h.Name.StartsWith(MetaPrefix, StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Name[MetaPrefix.Length..], h => h.Value, StringComparer.OrdinalIgnoreCase);
        return new BlobProperties(response.Headers.ETag ?? default, LastModified(response), response.Headers.ContentLength ?? 0, contentType, metadata);
    }

    private static BlobItem ReadListedBlob(XElement blob)
    {
        var props = blob.Element("Properties");
        string? Prop(string name) => props?.Element(name)?.Value;
        var metadata = blob.Element("Metadata")?.Elements().ToDictionary(e => e.Name.LocalName, e => e.Value, StringComparer.OrdinalIgnoreCase)
            ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        return new BlobItem(
            blob.Element("Name")!.Value,
            new BlobProperties(
                new ETag(Prop("Etag") ?? string.Empty),
                DateTimeOffset.Parse(Prop("Last-Modified")!, CultureInfo.InvariantCulture),
                long.Parse(Prop("Content-Length") ?? "0", CultureInfo.InvariantCulture),
                Prop("Content-Type"),
                metadata));
    }

    private static DateTimeOffset LastModified(Response response) =>
        response.Headers.TryGetValue("Last-Modified", out var value) ? DateTimeOffset.Parse(value, CultureInfo.InvariantCulture) : default;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{2,62}$")]
    private static partial Regex ContainerNamePattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex MetadataNamePattern();
}
