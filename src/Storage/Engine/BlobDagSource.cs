using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Gale.Dags;
using Gale.Yaml;

namespace Gale.Storage.Engine;

/// <summary>YAML DAG files in the <c>dags</c> blob container: DAGs that can be added without redeploying.</summary>
public static class BlobDagSource
{
    /// <summary>
    /// Loads every <c>*.yaml</c>/<c>*.yml</c> blob; a broken file becomes an import error named <c>blob://container/name</c>.
    /// With a <paramref name="cache"/> (blob name → ETag and result), unchanged blobs are not downloaded again.
    /// </summary>
    public static async Task<(IReadOnlyList<Dag> Dags, IReadOnlyList<DagImportError> Errors)> LoadAsync(BlobContainerClient container, CancellationToken cancellationToken = default, Dictionary<string, (Azure.ETag ETag, Dag? Dag, DagImportError? Error)>? cache = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        var dags = new List<Dag>();
        var errors = new List<DagImportError>();
        List<BlobItem> blobs;
        try
        {
            blobs = await container.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, cancellationToken).ToListAsync(cancellationToken);
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            return (dags, errors); // no container yet: no blob DAGs
        }

        foreach (var blob in blobs)
        {
            if (!blob.Name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) && !blob.Name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (cache is null || !cache.TryGetValue(blob.Name, out var known) || known.ETag != blob.Properties.ETag)
            {
                known = await LoadOneAsync(container, blob, cancellationToken);
                cache?.Remove(blob.Name);
                cache?.Add(blob.Name, known);
            }

            if (known.Dag is not null)
            {
                dags.Add(known.Dag);
            }

            if (known.Error is not null)
            {
                errors.Add(known.Error);
            }
        }

        if (cache is not null)
        {
            foreach (var gone in cache.Keys.Except(blobs.Select(b => b.Name), StringComparer.Ordinal).ToList())
            {
                cache.Remove(gone);
            }
        }

        return (dags, errors);
    }

    private static async Task<(Azure.ETag ETag, Dag? Dag, DagImportError? Error)> LoadOneAsync(BlobContainerClient container, BlobItem blob, CancellationToken cancellationToken)
    {
        var source = $"blob://{container.Name}/{blob.Name}";
        var download = (await container.GetBlobClient(blob.Name).DownloadContentAsync(cancellationToken)).Value;
        var text = download.Content.ToString().TrimStart('\uFEFF'); // a file saved with a UTF-8 byte order mark
        // The listing's ETag is the cache key (the download's header quotes it differently); a change between the
        // listing and the download only costs one more download on the next refresh.
        var etag = blob.Properties.ETag ?? download.Details.ETag;
        try
        {
            return (etag, YamlDagLoader.Load(source, text), null);
        }
        catch (YamlDagException e)
        {
            return (etag, null, new DagImportError(source, e.Message, YamlDagLoader.DeclaredDagId(text)));
        }
    }
}
