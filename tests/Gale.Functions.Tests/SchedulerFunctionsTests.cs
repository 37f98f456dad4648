using System.Globalization;
using System.Text.Json;
using Azure.Storage.Blobs;
using Gale.Testing;

namespace Gale.Functions.Tests;

/// <summary>
/// The timer function ticks the scheduler (each run an orchestration instance) and the blob function wakes the blob
/// watchers of the blob's container: what gale serve does in its background loops.
/// </summary>
public sealed class SchedulerFunctionsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task SchedulerTimer_DailyDagWithCatchup_CreatesTheMissedRunsOnce()
    {
        var start = DateTimeOffset.UtcNow.Date.AddDays(-3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var yaml = $"dag_id: timer_daily\nschedule: \"@daily\"\nstart_date: {start}\ncatchup: true\ntasks:\n  - id: t\n    operator: empty\n";
        await using var app = await FunctionAppHarness.StartAsync(azurite, new Dictionary<string, string> { ["timer_daily.yaml"] = yaml });

        await app.TickAsync();
        await app.TickAsync(); // a second tick finds nothing more to create

        var (status, body, _) = await app.SendAsync((f, r, c) => f.Api(r, c), "GET", "/api/v1/dags/timer_daily/dagRuns");
        Assert.True(status == 200, body);
        var runs = JsonDocument.Parse(body).RootElement;
        Assert.Equal(3, runs.GetProperty("total_entries").GetInt32());
        Assert.All(runs.GetProperty("dag_runs").EnumerateArray(), r => Assert.Equal("scheduled", r.GetProperty("run_type").GetString()));
    }

    [Fact]
    public async Task BlobFunction_NewBlobUnderTheWatchedPrefix_OneAssetEventPerBlob()
    {
        var container = await azurite.NewContainerAsync();
        var yaml = $$"""
            dag_id: blob_consumer
            schedule:
              assets: wasb://{{container.Name}}/sales/
            watchers:
              - name: landing
                type: blob
                container: {{container.Name}}
                prefix: sales/
                poll_interval: 1h
                assets: [{uri: "wasb://{{container.Name}}/sales/"}]
            tasks:
              - id: t
                operator: empty
            """;
        await using var app = await FunctionAppHarness.StartAsync(azurite, new Dictionary<string, string> { ["blob_consumer.yaml"] = yaml });
        await container.GetBlobClient("sales/2026-11-21.csv").UploadAsync(BinaryData.FromString("id\n1\n"), overwrite: true);
        await container.GetBlobClient("other/ignored.csv").UploadAsync(BinaryData.FromString("x"), overwrite: true);
        var blob = new BlobClient(azurite.Server.ConnectionString, container.Name, "sales/2026-11-21.csv");

        await app.Scheduler.BlobCreated(blob, app.Client, CancellationToken.None);
        await app.Scheduler.BlobCreated(blob, app.Client, CancellationToken.None); // Event Grid delivers at least once
        await app.Scheduler.BlobCreated(new BlobClient(azurite.Server.ConnectionString, container.Name, "other/ignored.csv"), app.Client, CancellationToken.None);

        var events = await app.App.Services.AssetEvents.ListAsync($"wasb://{container.Name}/sales/", DateTimeOffset.MinValue);
        var e = Assert.Single(events);
        Assert.Contains("\"name\":\"sales/2026-11-21.csv\"", e.Extra, StringComparison.Ordinal);
    }
}
