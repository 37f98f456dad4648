using Azure.Messaging.EventHubs;
using Azure.Messaging.EventHubs.Consumer;
using Azure.Messaging.EventHubs.Primitives;
using Gale.Assets;
using Gale.Assets.Watchers;
using Gale.Engine;
using Gale.Storage.EventHubs;

namespace Gale.Storage.Tests.EventHubs;

/// <summary>
/// The Event Hubs watcher's reads through the SDK's mockable clients (there is no Event Hubs emulator here): the
/// positions it opens, the events it maps, and a watcher polling through it.
/// </summary>
public sealed class EventHubPartitionReaderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly Asset Clicks = new("wasb://lake/clicks/");

    [Fact]
    public async Task ReadAsync_AfterASequenceNumber_OpensJustAfterItAndMapsTheEvents()
    {
        var hub = new FakeHub("clicks", ("0", 5));
        var reader = hub.Reader();

        var events = await reader.ReadAsync("clicks", "0", 2, 10);

        Assert.Equal(EventPosition.FromSequenceNumber(2, isInclusive: false), Assert.Single(hub.Opened).Position);
        Assert.Equal([3L, 4L], events.Select(e => e.SequenceNumber));
        var last = events[^1];
        Assert.Equal(("0", "400", T0.AddSeconds(4), """{"n":4}"""), (last.Partition, last.Offset, last.EnqueuedTime, last.Body));
        Assert.Equal(1, hub.Closed);
    }

    [Fact]
    public async Task ReadAsync_NothingReadYet_StartsAtTheEarliestEventAndHonoursTheCap()
    {
        var hub = new FakeHub("clicks", ("1", 5));

        var events = await hub.Reader().ReadAsync("clicks", "1", -1, 3);

        Assert.Equal(EventPosition.Earliest, Assert.Single(hub.Opened).Position);
        Assert.Equal([0L, 1L, 2L], events.Select(e => e.SequenceNumber));
    }

    [Fact]
    public async Task ReadAsync_ReceiveFails_ReceiverIsStillClosed()
    {
        var hub = new FakeHub("clicks", ("0", 1)) { Fail = true };

        await Assert.ThrowsAsync<EventHubsException>(() => hub.Reader().ReadAsync("clicks", "0", -1, 10));

        Assert.Equal(1, hub.Closed);
    }

    [Fact]
    public async Task Watcher_PollingThroughTheReader_EmitsEachEventOnceAndMovesTheWatermark()
    {
        var hub = new FakeHub("clicks", ("0", 3), ("1", 2));
        var services = new TaskServices { EventHubs = hub.Reader() };
        var runner = new WatcherRunner(new AssetEventPublisher(services.AssetEvents, services.AssetQueue, new DagBag([])), services.Watermarks, new WatcherContext(services, TimeProvider.System), "test");
        var watcher = new EventHubWatcher("clicks", [Clicks], "clicks");

        var first = await runner.PollOnceAsync(watcher);
        hub.Append("1", 1);
        var second = await runner.PollOnceAsync(watcher);

        Assert.Equal((5, 1), (first.Changes, second.Changes));
        Assert.Equal(("2", "2"), (second.Watermark.Get("partition:0"), second.Watermark.Get("partition:1")));
        Assert.Equal(
            [EventPosition.Earliest, EventPosition.Earliest, EventPosition.FromSequenceNumber(2, false), EventPosition.FromSequenceNumber(1, false)],
            hub.Opened.Select(o => o.Position));
        var events = await services.AssetEvents.ListAsync(Clicks.Uri, DateTimeOffset.MinValue);
        Assert.Equal(6, events.Count);
        Assert.Contains(events, e => e.Extra.Contains("\"body\":{\"n\":2}", StringComparison.Ordinal) && e.Extra.Contains("\"partition\":\"1\"", StringComparison.Ordinal));
    }

    [Fact]
    public void FromSettings_NoNamespace_Null_ConnectionStringOrNamespace_Reader()
    {
        Assert.Null(EventHubPartitionReader.FromSettings(_ => null));
        Assert.NotNull(EventHubPartitionReader.FromSettings(name => name == "GALE_EVENTHUB" ? "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0" : null));
        Assert.NotNull(EventHubPartitionReader.FromSettings(name => name == "GALE_EVENTHUB__fullyQualifiedNamespace" ? "ns.servicebus.windows.net" : null));
    }

    /// <summary>A hub whose partitions hold events numbered from 0, served through the SDK's mockable client types.</summary>
    private sealed class FakeHub(string name, params (string Partition, int Count)[] partitions)
    {
        private readonly Dictionary<string, List<EventData>> _events = partitions.ToDictionary(p => p.Partition, p => Enumerable.Range(0, p.Count).Select(i => Event(p.Partition, i)).ToList());

        public List<(string Partition, EventPosition Position)> Opened { get; } = [];

        public int Closed { get; set; }

        public bool Fail { get; init; }

        public void Append(string partition, int count)
        {
            var list = _events[partition];
            for (var i = 0; i < count; i++)
            {
                list.Add(Event(partition, list.Count));
            }
        }

        public EventHubPartitionReader Reader() => new(
            hub => hub == name ? new Consumer([.. _events.Keys]) : throw new InvalidOperationException(hub),
            (hub, partition, position) =>
            {
                Opened.Add((partition, position));
                return new Receiver(this, partition, position);
            },
            TimeSpan.FromMilliseconds(10));

        private static EventData Event(string partition, int sequence) =>
            EventHubsModelFactory.EventData(BinaryData.FromString($$"""{"n":{{sequence}}}"""), partitionKey: partition, sequenceNumber: sequence, offsetString: (sequence * 100).ToString(System.Globalization.CultureInfo.InvariantCulture), enqueuedTime: T0.AddSeconds(sequence));

        private sealed class Consumer(string[] partitionIds) : EventHubConsumerClient
        {
            public override Task<string[]> GetPartitionIdsAsync(CancellationToken cancellationToken = default) => Task.FromResult(partitionIds);
        }

        private sealed class Receiver(FakeHub hub, string partition, EventPosition position) : PartitionReceiver
        {
            public override Task<IEnumerable<EventData>> ReceiveBatchAsync(int maximumEventCount, TimeSpan maximumWaitTime, CancellationToken cancellationToken = default)
            {
                if (hub.Fail)
                {
                    throw new EventHubsException(isTransient: false, "clicks", "the partition is gone", EventHubsException.FailureReason.ResourceNotFound);
                }

                var events = hub._events[partition];
                var after = position.Equals(EventPosition.Earliest) ? -1 : Enumerable.Range(0, events.Count).First(s => position.Equals(EventPosition.FromSequenceNumber(s, isInclusive: false)));
                return Task.FromResult(events.Where(e => e.SequenceNumber > after).Take(maximumEventCount));
            }

            public override Task CloseAsync(CancellationToken cancellationToken = default)
            {
                hub.Closed++;
                return Task.CompletedTask;
            }
        }
    }
}
