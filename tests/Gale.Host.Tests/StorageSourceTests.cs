using Gale.Host.Hosting;

namespace Gale.Host.Tests;

public sealed class StorageSourceTests
{
    [Fact]
    public void Resolve_ExplicitConnectionString_WinsOverSettings()
    {
        var connection = StorageSource.Resolve("UseDevelopmentStorage=true", _ => "AccountName=other;AccountKey=a2V5");

        Assert.Equal("devstoreaccount1", connection!.AccountName);
    }

    [Fact]
    public void Resolve_AzureWebJobsStorageSetting_Used()
    {
        var connection = StorageSource.Resolve(null, k => k == "AzureWebJobsStorage" ? "AccountName=prod;AccountKey=a2V5" : null);

        Assert.Equal("prod", connection!.AccountName);
    }

    [Fact]
    public void Resolve_NothingConfigured_ReturnsNullSoServeStartsAzurite() =>
        Assert.Null(StorageSource.Resolve(null, _ => null));

    [Fact]
    public void Resolve_MalformedSetting_ThrowsFormatException() =>
        Assert.Throws<FormatException>(() => StorageSource.Resolve(null, k => k == "AzureWebJobsStorage" ? "garbage" : null));
}
