using Gale.Dags;
using Gale.Storage.Blobs;
using Gale.Yaml;

namespace Gale.Storage.Engine;

/// <summary>YAML DAG files in the <c>dags</c> blob container: DAGs that can be added without redeploying.</summary>
public static class BlobDagSource
{
    /// <summary>Loads every <c>*.yaml</c>/<c>*.yml</c> blob; a broken file becomes an import error named <c>blob://container/name</c>.</summary>
    public static async Task<(IReadOnlyList<Dag> Dags, IReadOnlyList<DagImportError> Errors)> LoadAsync(BlobContainerClient container, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(container);
        var dags = new List<Dag>();
        var errors = new List<DagImportError>();
        List<BlobItem> blobs;
        try
        {
            blobs = await container.ListBlobsAsync(cancellationToken: cancellationToken).ToListAsync(cancellationToken);
        }
        catch (StorageException e) when (e.IsNotFound)
        {
            return (dags, errors); // no container yet: no blob DAGs
        }

        foreach (var blob in blobs)
        {
            if (!blob.Name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) && !blob.Name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var source = $"blob://{container.Name}/{blob.Name}";
            using var download = await container.DownloadAsync(blob.Name, cancellationToken);
            using var reader = new StreamReader(download.Content);
            var text = await reader.ReadToEndAsync(cancellationToken);
            try
            {
                dags.Add(YamlDagLoader.Load(source, text));
            }
            catch (YamlDagException e)
            {
                errors.Add(new DagImportError(source, e.Message, YamlDagLoader.DeclaredDagId(text)));
            }
        }

        return (dags, errors);
    }
}
