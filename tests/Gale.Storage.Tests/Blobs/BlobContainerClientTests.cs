using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Gale.Storage.Tests.Blobs;

/// <summary>The SDK's blob clients doing what Gale relies on (logs as append blobs, XCom offload, DAG files, conditions), on a real Azurite.</summary>
public sealed class BlobContainerClientTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task CreateIfNotExists_CalledTwice_CreatesOnce()
    {
        var container = azurite.Account.GetBlobContainerClient("c" + Guid.NewGuid().ToString("N")[..20]);
        Assert.NotNull(await container.CreateIfNotExistsAsync());
        Assert.Null(await container.CreateIfNotExistsAsync());
        Assert.True((await container.DeleteIfExistsAsync()).Value);
        Assert.False((await container.DeleteIfExistsAsync()).Value);
    }

    [Fact]
    public async Task UploadDownload_OneMiB_SameBytesAndMetadata()
    {
        var container = await azurite.NewContainerAsync();
        var bytes = new byte[1024 * 1024];
        Random.Shared.NextBytes(bytes);
        var metadata = new Dictionary<string, string> { ["dag_id"] = "etl", ["try_number"] = "2" };
        var blob = container.GetBlobClient("logs/etl/run 1/task.log");

        var info = (await blob.UploadAsync(BinaryData.FromBytes(bytes), new BlobUploadOptions { Metadata = metadata, HttpHeaders = new BlobHttpHeaders { ContentType = "text/plain" } })).Value;
        var download = (await blob.DownloadContentAsync()).Value;

        Assert.Equal(bytes, download.Content.ToArray());
        Assert.Equal(info.ETag, download.Details.ETag);
        Assert.Equal(bytes.Length, download.Details.ContentLength);
        Assert.Equal("text/plain", download.Details.ContentType);
        Assert.Equal("etl", download.Details.Metadata["dag_id"]);
        Assert.Equal("2", download.Details.Metadata["try_number"]);
    }

    [Fact]
    public async Task Upload_CreateOnlyOnExistingBlob_ThrowsConflictAndKeepsContent()
    {
        var blob = (await azurite.NewContainerAsync()).GetBlobClient("a");
        await blob.UploadAsync(BinaryData.FromString("first"), overwrite: false);

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => blob.UploadAsync(BinaryData.FromString("second"), overwrite: false));

        Assert.True(e.IsConflict());
        Assert.Equal("first", (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task Upload_IfMatch_StaleFailsCurrentSucceeds()
    {
        var blob = (await azurite.NewContainerAsync()).GetBlobClient("a");
        var v1 = (await blob.UploadAsync(BinaryData.FromString("v1"), overwrite: true)).Value;
        var v2 = (await blob.UploadAsync(BinaryData.FromString("v2"), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = v1.ETag } })).Value;

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => blob.UploadAsync(BinaryData.FromString("v3"), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = v1.ETag } }));
        await blob.UploadAsync(BinaryData.FromString("v3"), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = v2.ETag } });

        Assert.Equal(412, e.Status);
        Assert.True(e.IsConflict());
        Assert.Equal("ConditionNotMet", e.ErrorCode);
        Assert.Equal("v3", (await blob.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task Delete_StaleETagConflicts_ThenDeletes_ThenMissingReturnsFalse()
    {
        var blob = (await azurite.NewContainerAsync()).GetBlobClient("a");
        var v1 = (await blob.UploadAsync(BinaryData.FromString("v1"), overwrite: true)).Value;
        var v2 = (await blob.UploadAsync(BinaryData.FromString("v2"), overwrite: true)).Value;

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => blob.DeleteIfExistsAsync(conditions: new BlobRequestConditions { IfMatch = v1.ETag }));
        Assert.True(e.IsConflict());
        Assert.True((await blob.DeleteIfExistsAsync(conditions: new BlobRequestConditions { IfMatch = v2.ETag })).Value);
        Assert.False((await blob.DeleteIfExistsAsync()).Value);
        Assert.False((await blob.ExistsAsync()).Value);
    }

    [Fact]
    public async Task Download_Missing_ThrowsNotFound()
    {
        var container = await azurite.NewContainerAsync();

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => container.GetBlobClient("nope").DownloadContentAsync());

        Assert.Equal(404, e.Status);
        Assert.True(e.IsNotFound());
        Assert.Equal("BlobNotFound", e.ErrorCode);
    }

    [Fact]
    public async Task ListBlobs_ByPrefixWithSmallPages_FollowsMarkersInNameOrder()
    {
        var container = await azurite.NewContainerAsync();
        var names = Enumerable.Range(0, 25).Select(i => $"in/{i:D2} é.txt").ToList();
        await Task.WhenAll(names.Select(n => container.GetBlobClient(n).UploadAsync(BinaryData.FromString(n), new BlobUploadOptions { Metadata = new Dictionary<string, string> { ["n"] = n[3..5] } })));
        await container.GetBlobClient("out/other.txt").UploadAsync(BinaryData.FromString("x"));

        var firstPage = await container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, "in/", CancellationToken.None).AsPages(pageSizeHint: 10).FirstAsync();
        var all = new List<BlobItem>();
        await foreach (var page in container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, "in/", CancellationToken.None).AsPages(pageSizeHint: 10))
        {
            all.AddRange(page.Values);
        }

        Assert.Equal(10, firstPage.Values.Count);
        Assert.False(string.IsNullOrEmpty(firstPage.ContinuationToken));
        Assert.Equal(names, all.Select(b => b.Name));
        Assert.All(all, b => Assert.Equal(b.Name[3..5], b.Metadata["n"]));
        Assert.All(all, b => Assert.NotNull(b.Properties.ETag));
        Assert.Equal(26, await container.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, CancellationToken.None).CountAsync());
    }

    [Fact]
    public async Task SetMetadata_ReplacesMetadataAndHonoursIfMatch()
    {
        var blob = (await azurite.NewContainerAsync()).GetBlobClient("a");
        var v1 = (await blob.UploadAsync(BinaryData.FromString("x"), new BlobUploadOptions { Metadata = new Dictionary<string, string> { ["old"] = "1" } })).Value;

        var v2 = (await blob.SetMetadataAsync(new Dictionary<string, string> { ["new"] = "2" }, new BlobRequestConditions { IfMatch = v1.ETag })).Value;
        var props = (await blob.GetPropertiesAsync()).Value;

        Assert.Equal("2", props.Metadata["new"]);
        Assert.False(props.Metadata.ContainsKey("old"));
        Assert.Equal(v2.ETag, props.ETag);
        var e = await Assert.ThrowsAsync<RequestFailedException>(() => blob.SetMetadataAsync(new Dictionary<string, string>(), new BlobRequestConditions { IfMatch = v1.ETag }));
        Assert.True(e.IsConflict());
    }

    [Fact]
    public async Task AppendBlock_ReadBetweenAppends_SeesEachAppendInOrder()
    {
        var blob = (await azurite.NewContainerAsync()).GetAppendBlobClient("etl/run/task/attempt=1.log");
        await blob.CreateAsync(new AppendBlobCreateOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "text/plain; charset=utf-8" } });

        await blob.AppendBlockAsync(BinaryData.FromString("line 1\n").ToStream());
        var first = (await blob.DownloadContentAsync()).Value.Content.ToString();
        await blob.AppendBlockAsync(BinaryData.FromString("line 2\n").ToStream());
        var second = (await blob.DownloadContentAsync()).Value.Content.ToString();

        Assert.Equal("line 1\n", first);
        Assert.Equal("line 1\nline 2\n", second);
    }

    [Fact]
    public async Task AppendBlock_MissingBlob_Throws404()
    {
        var blob = (await azurite.NewContainerAsync()).GetAppendBlobClient("nope.log");

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => blob.AppendBlockAsync(BinaryData.FromString("x").ToStream()));

        Assert.Equal(404, e.Status);
    }

    [Fact]
    public async Task CreateAppendBlob_CreateOnlyOnExisting_ThrowsConflictAndKeepsContent()
    {
        var blob = (await azurite.NewContainerAsync()).GetAppendBlobClient("a.log");
        await blob.CreateAsync();
        await blob.AppendBlockAsync(BinaryData.FromString("kept").ToStream());

        var e = await Assert.ThrowsAsync<RequestFailedException>(() => blob.CreateAsync(new AppendBlobCreateOptions { Conditions = new AppendBlobRequestConditions { IfNoneMatch = ETag.All } }));

        Assert.True(e.IsConflict());
        Assert.Equal("kept", (await blob.DownloadContentAsync()).Value.Content.ToString());
    }
}
