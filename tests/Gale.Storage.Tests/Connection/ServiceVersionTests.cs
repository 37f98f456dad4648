using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Gale.Storage.Local;
using Gale.Storage.Tables;

namespace Gale.Storage.Tests.Connection;

/// <summary>
/// The Azure SDK sends newer service versions than the pinned Azurite (3.35.0) knows (its newest is 2025-11-05), so
/// Gale starts Azurite with --skipApiVersionCheck (AzuriteServer: the tests' fixture and `gale serve` alike) rather
/// than pinning ServiceVersion in every client.
/// </summary>
public sealed class ServiceVersionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string NewestAzuriteVersion = "2025-11-05";

    [Fact]
    public async Task SdkDefaults_NewerThanAzuriteKnows_AcceptedByTheAzuriteGaleStarts()
    {
        var versions = new VersionRecorder();
        var options = new StorageClientOptions();
        options.AddPolicy(versions, HttpPipelinePosition.PerCall);
        var account = new StorageAccountClient(azurite.Server.Connection, options);
        var name = "v" + Guid.NewGuid().ToString("N")[..16];

        await account.GetBlobContainerClient(name).CreateIfNotExistsAsync();
        await account.GetBlobContainerClient(name).GetBlobClient("a.txt").UploadAsync(BinaryData.FromString("x"));
        await account.GetQueueClient(name).CreateIfNotExistsAsync();
        await account.GetQueueClient(name).SendMessageAsync("x");
        await account.GetTableClient(name).CreateIfNotExistsAsync();
        await account.GetTableClient(name).InsertAsync(new TableEntity("p", "r"));

        Assert.Contains(versions.Sent, v => string.CompareOrdinal(v, NewestAzuriteVersion) > 0);
    }

    [Fact]
    public void AzuriteServer_Arguments_SkipTheApiVersionCheck()
    {
        Assert.Contains("--skipApiVersionCheck", AzuriteServer.FixedArguments);
    }

    private sealed class VersionRecorder : HttpPipelineSynchronousPolicy
    {
        public List<string> Sent { get; } = [];

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Headers.TryGetValue("x-ms-version", out var version))
            {
                lock (Sent)
                {
                    Sent.Add(version);
                }
            }
        }
    }
}
