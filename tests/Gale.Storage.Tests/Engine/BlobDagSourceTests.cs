using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Engine;

public sealed class BlobDagSourceTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Load_YamlBlobs_GoodLoadedBrokenReportedOthersIgnored()
    {
        var container = await azurite.NewContainerAsync();
        await container.GetBlobClient("team/etl.yaml").UploadAsync(BinaryData.FromString("dag_id: from_blob\ntasks:\n  - id: a\n    operator: empty\n"), overwrite: true);
        await container.GetBlobClient("broken.yml").UploadAsync(BinaryData.FromString("dag_id: broken\ntasks:\n  - id: a\n    operator: teleport\n"), overwrite: true);
        await container.GetBlobClient("readme.txt").UploadAsync(BinaryData.FromString("not a dag"), overwrite: true);

        var (dags, errors) = await BlobDagSource.LoadAsync(container);

        var dag = Assert.Single(dags);
        Assert.Equal("from_blob", dag.DagId);
        Assert.Equal($"blob://{container.Name}/team/etl.yaml", dag.Settings.Fileloc);
        var error = Assert.Single(errors);
        Assert.Equal($"blob://{container.Name}/broken.yml", error.Source);
        Assert.Contains("broken.yml:4: tasks[0].operator: unknown operator 'teleport'", error.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_NoContainer_NoDags()
    {
        var (dags, errors) = await BlobDagSource.LoadAsync(azurite.Account.GetBlobContainerClient("missing-" + Guid.NewGuid().ToString("N")[..10]));

        Assert.Empty(dags);
        Assert.Empty(errors);
    }
}
