using Gale.Host.Dags;

namespace Gale.Host.Tests.Dags;

public sealed class DagLibraryTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static BinaryData Yaml(string dagId) => BinaryData.FromString($"dag_id: {dagId}\ntasks:\n  - id: a\n    operator: empty\n");

    [Fact]
    public async Task RefreshAsync_BlobsAddedChangedBrokenAndDeleted_BagFollowsAndUnchangedBlobsAreReused()
    {
        var container = azurite.Account.GetBlobContainerClient("dags" + Guid.NewGuid().ToString("N")[..12]);
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient("one.yaml").UploadAsync(Yaml("one"), overwrite: true);
        var library = await DagLibrary.LoadAsync(folder: null, container);
        var one = library.Find("one");
        Assert.NotNull(one);
        Assert.Empty(library.ImportErrors);

        await container.GetBlobClient("two.yml").UploadAsync(Yaml("two"), overwrite: true);
        await container.GetBlobClient("broken.yaml").UploadAsync(BinaryData.FromString("dag_id: broken\ntasks:\n  - id: a\n    operator: nope\n"), overwrite: true);
        var change = await library.RefreshAsync();

        Assert.Equal(["two"], change.Added);
        Assert.Empty(change.Removed);
        Assert.Same(one, library.Find("one")); // not downloaded and parsed again: its ETag did not change
        var error = Assert.Single(library.ImportErrors);
        Assert.Equal($"blob://{container.Name}/broken.yaml", error.Source);
        Assert.Contains("unknown operator 'nope'", error.Error, StringComparison.Ordinal);

        await container.GetBlobClient("one.yaml").UploadAsync(Yaml("one_renamed"), overwrite: true);
        await container.DeleteBlobAsync("two.yml");
        change = await library.RefreshAsync();

        Assert.Equal(["one_renamed"], change.Added);
        Assert.Equal(["one", "two"], change.Removed);
        Assert.Null(library.Find("one"));
        Assert.Contains(library.Dags, d => d.DagId == "one_renamed");
    }

    [Fact]
    public async Task RefreshAsync_FolderFileFixed_ImportErrorGoesAway()
    {
        var folder = Directory.CreateTempSubdirectory("gale-dags-").FullName;
        try
        {
            var path = Path.Combine(folder, "fixme.yaml");
            await File.WriteAllTextAsync(path, "dag_id: fixme\ntasks:\n  - id: a\n    operator: empty\n    upstream: [ghost]\n");
            var library = await DagLibrary.LoadAsync(folder, blobs: null);
            Assert.Contains(library.ImportErrors, e => e.Source.EndsWith("fixme.yaml", StringComparison.Ordinal) && e.Error.Contains("ghost", StringComparison.Ordinal));
            Assert.Null(library.Find("fixme"));

            await File.WriteAllTextAsync(path, "dag_id: fixme\ntasks:\n  - id: a\n    operator: empty\n");
            var change = await library.RefreshAsync();

            Assert.Equal(["fixme"], change.Added);
            Assert.DoesNotContain(library.ImportErrors, e => e.Source.EndsWith("fixme.yaml", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
