using System.Diagnostics.Metrics;
using Gale.Storage.Engine;
using Gale.Telemetry;

namespace Gale.Storage.Tests.Engine;

/// <summary>The gale.queue.depth gauge on real storage queues (x-ms-approximate-messages-count).</summary>
public sealed class QueueDepthStorageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    // The gauge's value per storage queue name, as a metrics reader collecting now would see it.
    private static Dictionary<string, (long Depth, string? Role)> Collect()
    {
        var seen = new Dictionary<string, (long, string?)>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GaleTelemetry.Name && instrument.Name == GaleTelemetry.QueueDepthName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? name = null, role = null;
            foreach (var tag in tags)
            {
                name = tag.Key == GaleTelemetry.Tags.QueueName ? tag.Value as string : name;
                role = tag.Key == GaleTelemetry.Tags.Queue ? tag.Value as string : role;
            }

            lock (seen)
            {
                seen[name!] = (value, role);
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return seen;
    }

    [Fact]
    public async Task QueueDepth_StorageQueueWithMessages_GaugeReadsTheirCount()
    {
        var client = await azurite.NewQueueAsync();
        var queue = new StorageMessageQueue(client, TimeProvider.System);
        await Task.WhenAll(Enumerable.Range(0, 5).Select(i => queue.SendAsync($"m{i}")));
        await queue.SendAsync("later", TimeSpan.FromMinutes(5)); // invisible messages count too
        await queue.ReceiveAsync(1, TimeSpan.FromMinutes(1)); // and so do received ones

        using var tracking = QueueDepthGauge.Track(("tasks", queue));
        var depths = Collect();

        Assert.Equal((6L, "tasks"), depths[client.Name]);
        Assert.Equal(6, await queue.GetApproximateCountAsync());
    }
}
