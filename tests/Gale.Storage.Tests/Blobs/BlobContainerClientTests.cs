using Gale.Storage.Blobs;

namespace Gale.Storage.Tests.Blobs;

public sealed class BlobContainerClientTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task CreateIfNotExists_CalledTwice_CreatesOnce()
    {
        var container = azurite.Account.GetBlobContainerClient("c" + Guid.NewGuid().ToString("N")[..20]);
        Assert.True(await container.CreateIfNotExistsAsync());
        Assert.False(await container.CreateIfNotExistsAsync());
        Assert.True(await container.DeleteAsync());
        Assert.False(await container.DeleteAsync());
    }

    [Fact]
    public async Task UploadDownload_OneMiB_StreamsSameBytesAndMetadata()
    {
        var container = await azurite.NewContainerAsync();
        var bytes = new byte[1024 * 1024];
        Random.Shared.NextBytes(bytes);
        var metadata = new Dictionary<string, string> { ["dag_id"] = "etl", ["try_number"] = "2" };

        var info = await container.UploadAsync("logs/etl/run 1/task.log", BinaryData.FromBytes(bytes), metadata: metadata, contentType: "text/plain");
        using var download = await container.DownloadAsync("logs/etl/run 1/task.log");
        using var copy = new MemoryStream();
        await download.Content.CopyToAsync(copy);

        Assert.Equal(bytes, copy.ToArray());
        Assert.Equal(info.ETag, download.Properties.ETag);
        Assert.Equal(bytes.Length, download.Properties.ContentLength);
        Assert.Equal("text/plain", download.Properties.ContentType);
        Assert.Equal("etl", download.Properties.Metadata["dag_id"]);
        Assert.Equal("2", download.Properties.Metadata["try_number"]);
    }

    [Fact]
    public async Task Upload_CreateOnlyOnExistingBlob_ThrowsConflictAndKeepsContent()
    {
        var container = await azurite.NewContainerAsync();
        await container.UploadAsync("a", BinaryData.FromString("first"), BlobConditions.CreateOnly);

        var e = await Assert.ThrowsAsync<ConcurrencyConflictException>(() => container.UploadAsync("a", BinaryData.FromString("second"), BlobConditions.CreateOnly));

        Assert.True(e.Status is 409 or 412);
        using var download = await container.DownloadAsync("a");
        Assert.Equal("first", await new StreamReader(download.Content).ReadToEndAsync());
    }

    [Fact]
    public async Task Upload_IfMatch_StaleFailsCurrentSucceeds()
    {
        var container = await azurite.NewContainerAsync();
        var v1 = await container.UploadAsync("a", BinaryData.FromString("v1"));
        var v2 = await container.UploadAsync("a", BinaryData.FromString("v2"), new BlobConditions { IfMatch = v1.ETag });

        var e = await Assert.ThrowsAsync<ConcurrencyConflictException>(() => container.UploadAsync("a", BinaryData.FromString("v3"), new BlobConditions { IfMatch = v1.ETag }));
        await container.UploadAsync("a", BinaryData.FromString("v3"), new BlobConditions { IfMatch = v2.ETag });

        Assert.Equal(412, e.Status);
        Assert.Equal("ConditionNotMet", e.ErrorCode);
        using var download = await container.DownloadAsync("a");
        Assert.Equal("v3", await new StreamReader(download.Content).ReadToEndAsync());
    }

    [Fact]
    public async Task Delete_StaleETagConflicts_ThenDeletes_ThenMissingReturnsFalse()
    {
        var container = await azurite.NewContainerAsync();
        var v1 = await container.UploadAsync("a", BinaryData.FromString("v1"));
        var v2 = await container.UploadAsync("a", BinaryData.FromString("v2"));

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => container.DeleteBlobAsync("a", v1.ETag));
        Assert.True(await container.DeleteBlobAsync("a", v2.ETag));
        Assert.False(await container.DeleteBlobAsync("a"));
        Assert.False(await container.ExistsAsync("a"));
    }

    [Fact]
    public async Task Download_Missing_ThrowsNotFoundWithRequestId()
    {
        var container = await azurite.NewContainerAsync();

        var e = await Assert.ThrowsAsync<StorageException>(() => container.DownloadAsync("nope"));

        Assert.Equal(404, e.Status);
        Assert.Equal("BlobNotFound", e.ErrorCode);
        Assert.False(string.IsNullOrEmpty(e.RequestId));
    }

    [Fact]
    public async Task ListBlobs_ByPrefixWithSmallPages_FollowsMarkersInNameOrder()
    {
        var container = await azurite.NewContainerAsync();
        var names = Enumerable.Range(0, 25).Select(i => $"in/{i:D2} é.txt").ToList();
        await Task.WhenAll(names.Select(n => container.UploadAsync(n, BinaryData.FromString(n), metadata: new Dictionary<string, string> { ["n"] = n[3..5] })));
        await container.UploadAsync("out/other.txt", BinaryData.FromString("x"));

        var firstPage = await container.ListBlobsPageAsync("in/", pageSize: 10);
        var all = await container.ListBlobsAsync("in/", pageSize: 10).ToListAsync();

        Assert.Equal(10, firstPage.Items.Count);
        Assert.NotNull(firstPage.ContinuationToken);
        Assert.Equal(names, all.Select(b => b.Name));
        Assert.All(all, b => Assert.Equal(b.Name[3..5], b.Properties.Metadata["n"]));
        Assert.All(all, b => Assert.NotEqual(default, b.Properties.ETag));
        Assert.Equal(27, await container.ListBlobsAsync().CountAsync() + 1);
    }

    [Fact]
    public async Task SetMetadata_ReplacesMetadataAndHonoursIfMatch()
    {
        var container = await azurite.NewContainerAsync();
        var v1 = await container.UploadAsync("a", BinaryData.FromString("x"), metadata: new Dictionary<string, string> { ["old"] = "1" });

        var v2 = await container.SetMetadataAsync("a", new Dictionary<string, string> { ["new"] = "2" }, v1.ETag);
        var props = await container.GetPropertiesAsync("a");

        Assert.Equal("2", props.Metadata["new"]);
        Assert.False(props.Metadata.ContainsKey("old"));
        Assert.Equal(v2.ETag, props.ETag);
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => container.SetMetadataAsync("a", new Dictionary<string, string>(), v1.ETag));
    }

    [Fact]
    public async Task Upload_InvalidMetadataName_RejectedBeforeSending()
    {
        var container = await azurite.NewContainerAsync();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => container.UploadAsync("a", BinaryData.FromString("x"), metadata: new Dictionary<string, string> { ["bad-name"] = "1" }));

        Assert.Contains("'bad-name'", e.Message, StringComparison.Ordinal);
        Assert.False(await container.ExistsAsync("a"));
    }

    [Fact]
    public async Task AppendBlock_ReadBetweenAppends_SeesEachAppendInOrder()
    {
        var container = await azurite.NewContainerAsync();
        await container.CreateAppendBlobAsync("etl/run/task/attempt=1.log", contentType: "text/plain; charset=utf-8");

        await container.AppendBlockAsync("etl/run/task/attempt=1.log", BinaryData.FromString("line 1\n"));
        var first = await ReadAsync(container, "etl/run/task/attempt=1.log");
        await container.AppendBlockAsync("etl/run/task/attempt=1.log", BinaryData.FromString("line 2\n"));
        var second = await ReadAsync(container, "etl/run/task/attempt=1.log");

        Assert.Equal("line 1\n", first);
        Assert.Equal("line 1\nline 2\n", second);
    }

    [Fact]
    public async Task AppendBlock_MissingBlob_Throws404()
    {
        var container = await azurite.NewContainerAsync();

        var e = await Assert.ThrowsAsync<StorageException>(() => container.AppendBlockAsync("nope.log", BinaryData.FromString("x")));

        Assert.Equal(404, e.Status);
    }

    [Fact]
    public async Task CreateAppendBlob_CreateOnlyOnExisting_ThrowsConflictAndKeepsContent()
    {
        var container = await azurite.NewContainerAsync();
        await container.CreateAppendBlobAsync("a.log");
        await container.AppendBlockAsync("a.log", BinaryData.FromString("kept"));

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => container.CreateAppendBlobAsync("a.log", BlobConditions.CreateOnly));

        Assert.Equal("kept", await ReadAsync(container, "a.log"));
    }

    private static async Task<string> ReadAsync(BlobContainerClient container, string name)
    {
        using var download = await container.DownloadAsync(name);
        using var reader = new StreamReader(download.Content);
        return await reader.ReadToEndAsync();
    }
}
