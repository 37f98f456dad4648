namespace Gale.Storage.Tests.Unit;

public sealed class StorageConnectionTests
{
    [Fact]
    public void Parse_UseDevelopmentStorage_PointsAtAzuriteDefaults()
    {
        var c = StorageConnection.Parse("UseDevelopmentStorage=true");

        Assert.Equal("devstoreaccount1", c.AccountName);
        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), c.BlobEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), c.QueueEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:10002/devstoreaccount1"), c.TableEndpoint);
        Assert.True(c.HasAccountKey);
    }

    [Fact]
    public void Parse_AccountKeyAndSuffix_BuildsServiceEndpoints()
    {
        var c = StorageConnection.Parse("DefaultEndpointsProtocol=https;AccountName=gale;AccountKey=a2V5;EndpointSuffix=core.chinacloudapi.cn");

        Assert.Equal(new Uri("https://gale.blob.core.chinacloudapi.cn"), c.BlobEndpoint);
        Assert.Equal(new Uri("https://gale.table.core.chinacloudapi.cn"), c.TableEndpoint);
        Assert.True(c.HasAccountKey);
        Assert.Equal("gale", c.AccountName);
    }

    [Fact]
    public void Parse_ExplicitAzuriteEndpoints_AreUsedAsGiven()
    {
        var c = StorageConnection.Parse(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + StorageConnection.DevelopmentAccountKey +
            ";BlobEndpoint=http://127.0.0.1:41000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:41001/devstoreaccount1;TableEndpoint=http://127.0.0.1:41002/devstoreaccount1;");

        Assert.Equal(41000, c.BlobEndpoint!.Port);
        Assert.Equal(41001, c.QueueEndpoint!.Port);
        Assert.Equal(41002, c.TableEndpoint!.Port);
    }

    [Theory]
    [InlineData("AccountName=a;AccountKey", "segment 'AccountKey' is not of the form Name=Value")]
    [InlineData("AccountName=a;AccountName=b;AccountKey=a2V5", "'AccountName' appears more than once")]
    [InlineData("AccountName=a", "neither AccountKey nor SharedAccessSignature")]
    [InlineData("AccountKey=a2V5;BlobEndpoint=https://x", "AccountKey is given without AccountName")]
    [InlineData("DefaultEndpointsProtocol=ftp;AccountName=a;AccountKey=a2V5", "must be http or https")]
    [InlineData("UseDevelopmentStorage=false", "UseDevelopmentStorage must be 'true'")]
    [InlineData("BlobEndpoint=not a uri;SharedAccessSignature=sig=1", "BlobEndpoint 'not a uri' is not an absolute URI")]
    [InlineData("", "empty")]
    public void Parse_Malformed_ExplainsProblem(string connectionString, string expected)
    {
        var e = Assert.Throws<FormatException>(() => StorageConnection.Parse(connectionString));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadKey_ErrorDoesNotEchoKey()
    {
        var e = Assert.Throws<FormatException>(() => StorageConnection.Parse("AccountName=a;AccountKey=not*base64!secret"));

        Assert.DoesNotContain("secret", e.Message, StringComparison.Ordinal);
        Assert.Contains("the account key of 'a' is not base64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromSettings_ConnectionString_Parsed()
    {
        var c = StorageConnection.FromSettings(k => k == "AzureWebJobsStorage" ? "UseDevelopmentStorage=true" : null);

        Assert.Equal("devstoreaccount1", c!.AccountName);
    }

    [Fact]
    public void FromSettings_IdentityBasedAccountName_UsesManagedIdentity()
    {
        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage__accountName"] = "galeprod",
            ["AzureWebJobsStorage__credential"] = "managedidentity",
            ["AzureWebJobsStorage__clientId"] = "00000000-0000-0000-0000-000000000001",
        };

        var c = StorageConnection.FromSettings(k => settings.GetValueOrDefault(k));

        Assert.Equal(new Uri("https://galeprod.queue.core.windows.net"), c!.QueueEndpoint);
        Assert.IsType<Azure.Identity.ManagedIdentityCredential>(c.TokenCredential);
        Assert.False(c.HasAccountKey);
    }

    [Fact]
    public void FromSettings_ServiceUris_OnlyThoseServices()
    {
        var c = StorageConnection.FromSettings(k => k == "Gale__tableServiceUri" ? "https://acct.table.core.windows.net/" : null, "Gale");

        Assert.Equal("acct", c!.AccountName);
        Assert.Null(c.BlobEndpoint);
        Assert.Equal(new Uri("https://acct.table.core.windows.net"), c.TableEndpoint);
        Assert.Throws<InvalidOperationException>(() => new StorageAccountClient(c).GetBlobContainerClient("logs"));
    }

    [Fact]
    public void FromSettings_Nothing_ReturnsNull() =>
        Assert.Null(StorageConnection.FromSettings(_ => null));
}
