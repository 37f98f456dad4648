using Gale.Assets;
using Gale.Assets.Watchers;
using Gale.Engine;
using Gale.InMemory;
using Gale.Triggers;

namespace Gale.Core.Tests.Assets;

public sealed class WatcherTests : IDisposable
{
    private static readonly Asset Landing = new("wasb://landing/sales/", "landing");
    private readonly string _root = Directory.CreateTempSubdirectory("gale-watch-").FullName;
    private readonly TaskServices _services;

    public WatcherTests() => _services = new TaskServices { Objects = new LocalObjectProbe(_root) };

    private WatcherRunner Runner(IWatermarkStore? marks = null, string id = "host-1") =>
        new(new AssetEventPublisher(_services.AssetEvents, _services.AssetQueue, new DagBag([])), marks ?? _services.Watermarks, new WatcherContext(_services, TimeProvider.System), id);

    private void Write(string name, DateTimeOffset at, string text = "x")
    {
        var path = Path.Combine(_root, "landing", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetLastWriteTimeUtc(path, at.UtcDateTime);
    }

    private Task<IReadOnlyList<AssetEvent>> EventsAsync() => _services.AssetEvents.ListAsync(Landing.Uri, DateTimeOffset.MinValue);

    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Blob_NewFilesThenNothingThenANewVersion_OneEventPerVersion()
    {
        var watcher = new BlobWatcher("landing_files", [Landing], "landing", "sales/");
        Write("sales/a.csv", T0);
        Write("sales/b.csv", T0); // same instant
        Write("other/c.csv", T0);
        var runner = Runner();

        var first = await runner.PollOnceAsync(watcher);
        var second = await runner.PollOnceAsync(watcher);
        Write("sales/a.csv", T0.AddSeconds(5), "changed");
        var third = await runner.PollOnceAsync(watcher);

        Assert.Equal((2, 0, 1), (first.Changes, second.Changes, third.Changes));
        var events = await EventsAsync();
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal(("landing_files", AssetEventSource.Watcher), (e.Watcher, e.Source)));
        Assert.Contains("\"name\":\"sales/a.csv\"", events[^1].Extra, StringComparison.Ordinal);
        Assert.Equal(3, third.Watermark.EventsEmitted);
    }

    [Fact]
    public async Task Blob_ABlobListedLateAtAnEarlierSecond_StillSeenWithinTheSettleWindow()
    {
        var watcher = new BlobWatcher("landing_files", [Landing], "landing", "sales/");
        Write("sales/late-writer.csv", T0.AddSeconds(10));
        var runner = Runner();
        await runner.PollOnceAsync(watcher);

        Write("sales/early-stamp.csv", T0.AddSeconds(9)); // last-modified before the watermark, listed only now
        var cycle = await runner.PollOnceAsync(watcher);

        Assert.Equal(1, cycle.Changes);
        Assert.Equal(2, (await EventsAsync()).Count);
    }

    [Fact]
    public async Task Blob_ASlowListingMissedAnEarlyNameThatCommittedDuringIt_FoundOnTheNextPoll()
    {
        var listingStart = T0;
        var late = new ObjectInfo("sales/a-new.csv", "e1", listingStart.AddSeconds(1), 1);   // on page 1's range, committed after page 1
        var newer = new ObjectInfo("sales/z-new.csv", "e2", listingStart.AddSeconds(5), 1);  // on a later page
        var probe = new ScriptedProbe([[newer], [late, newer]]);
        var services = new TaskServices { Objects = probe };
        var runner = new WatcherRunner(new AssetEventPublisher(services.AssetEvents, services.AssetQueue, new DagBag([])), services.Watermarks, new WatcherContext(services, new ManualTimeProvider(listingStart)), "h");
        var watcher = new BlobWatcher("landing_files", [Landing], "landing", "sales/");

        var first = await runner.PollOnceAsync(watcher);
        var second = await runner.PollOnceAsync(watcher);

        Assert.Equal((1, 1), (first.Changes, second.Changes));
        Assert.Equal(2, (await services.AssetEvents.ListAsync(Landing.Uri, DateTimeOffset.MinValue)).Count);
    }

    [Fact]
    public async Task Blob_CapPerPoll_RestOnTheNextPollWithoutLossOrDoubles()
    {
        var watcher = new BlobWatcher("landing_files", [Landing], "landing", "sales/") { MaxChangesPerPoll = 3 };
        for (var i = 0; i < 7; i++)
        {
            Write($"sales/f{i}.csv", T0); // all in one second
        }

        var runner = Runner();
        var counts = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            counts.Add((await runner.PollOnceAsync(watcher)).Changes);
        }

        Assert.Equal([3, 3, 1, 0], counts);
        Assert.Equal(7, (await EventsAsync()).Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task Runner_CrashBetweenEventsAndWatermark_SameIdsAgain_StoredOnce()
    {
        var watcher = new BlobWatcher("landing_files", [Landing], "landing", "sales/");
        Write("sales/a.csv", T0);
        Write("sales/b.csv", T0.AddSeconds(1));
        var crashing = new CrashingWatermarks(_services.Watermarks);

        await Assert.ThrowsAsync<IOException>(() => Runner(crashing).PollOnceAsync(watcher));
        Assert.Equal(2, (await EventsAsync()).Count); // stored before the crash
        var after = await Runner().PollOnceAsync(watcher);

        Assert.Equal((2, 0), (after.Changes, after.NewEvents));
        Assert.Equal(2, (await EventsAsync()).Count);
    }

    [Fact]
    public async Task Runner_TwoInstancesAtOnce_EachChangeOneEvent()
    {
        var watcher = new BlobWatcher("landing_files", [Landing], "landing", "sales/") { MaxChangesPerPoll = 5 };
        for (var i = 0; i < 40; i++)
        {
            Write($"sales/f{i:D2}.csv", T0.AddSeconds(i / 4));
        }

        var one = Runner(id: "one");
        var two = Runner(id: "two");
        async Task DrainAsync(WatcherRunner runner)
        {
            for (var i = 0; i < 30; i++)
            {
                await runner.PollOnceAsync(watcher);
                await Task.Yield();
            }
        }

        await Task.WhenAll(Task.Run(() => DrainAsync(one)), Task.Run(() => DrainAsync(two)));

        var events = await EventsAsync();
        Assert.Equal(40, events.Count);
        Assert.Equal(40, events.Select(e => e.Extra).Distinct().Count());
        Assert.Equal(40, (await _services.Watermarks.GetAsync("landing_files")).EventsEmitted);
    }

    [Fact]
    public async Task Reset_NewEpoch_ReplayEmitsNewEvents()
    {
        var watcher = new BlobWatcher("landing_files", [Landing], "landing", "sales/");
        Write("sales/a.csv", T0);
        Write("sales/b.csv", T0.AddMinutes(10));
        var runner = Runner();
        await runner.PollOnceAsync(watcher);

        var reset = await WatcherRunner.ResetAsync(_services.Watermarks, watcher, T0.AddMinutes(5), DateTimeOffset.UtcNow, "test");
        var replay = await runner.PollOnceAsync(watcher);

        Assert.Equal(1, reset.Epoch);
        Assert.Equal((1, 1), (replay.Changes, replay.NewEvents)); // only b is after the reset point
        Assert.Equal(3, (await EventsAsync()).Count);
    }

    [Fact]
    public async Task EventHub_RedeliveredAndOverlappingBatches_NoDuplicates()
    {
        var watcher = new EventHubWatcher("clicks", [Landing], "clicks");
        var runner = Runner();
        var at = DateTimeOffset.UtcNow;
        EventHubEvent E(string p, long seq) => new(p, seq, (seq * 100).ToString(System.Globalization.CultureInfo.InvariantCulture), at, $$"""{"n":{{seq}}}""");

        var first = await watcher.HandleBatchAsync(runner, [E("0", 1), E("0", 2), E("1", 7)]);
        var again = await watcher.HandleBatchAsync(runner, [E("0", 1), E("0", 2), E("1", 7)]);
        var overlap = await watcher.HandleBatchAsync(runner, [E("0", 2), E("0", 3), E("1", 7), E("1", 8)]);

        Assert.Equal((3, 0, 2), (first.Changes, again.Changes, overlap.Changes));
        var events = await EventsAsync();
        Assert.Equal(5, events.Count);
        Assert.Equal(("3", "8"), (overlap.Watermark.Get("partition:0"), overlap.Watermark.Get("partition:1")));
        Assert.Contains("\"body\":{\"n\":3}", events.Single(e => e.Id.EndsWith(":0/3:" + Landing.Uri, StringComparison.Ordinal)).Extra, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventHubPoll_EachPartitionReadFromItsWatermark_NewEventsOnly()
    {
        var hub = new ScriptedEventHub("clicks", "0", "1");
        hub.Add("0", 3);
        hub.Add("1", 2);
        var services = new TaskServices { EventHubs = hub };
        var runner = new WatcherRunner(new AssetEventPublisher(services.AssetEvents, services.AssetQueue, new DagBag([])), services.Watermarks, new WatcherContext(services, TimeProvider.System), "h");
        var watcher = new EventHubWatcher("clicks", [Landing], "clicks") { MaxEventsPerPartition = 2 };

        var first = await runner.PollOnceAsync(watcher);   // 2 of partition 0 (the cap), 2 of partition 1
        var second = await runner.PollOnceAsync(watcher);  // the rest of partition 0
        var idle = await runner.PollOnceAsync(watcher);
        hub.Add("1", 1);
        var later = await runner.PollOnceAsync(watcher);

        Assert.Equal((4, 1, 0, 1), (first.Changes, second.Changes, idle.Changes, later.Changes));
        Assert.Equal(("2", "2"), (later.Watermark.Get("partition:0"), later.Watermark.Get("partition:1")));
        Assert.Equal([-1, -1, 1, 1, 2, 1, 2, 1], hub.ReadsAfter);
        var events = await services.AssetEvents.ListAsync(Landing.Uri, DateTimeOffset.MinValue);
        Assert.Equal(6, events.Count);
        Assert.Equal(6, events.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task EventHubPoll_RacingAPushedBatch_EveryEventOnce()
    {
        var hub = new ScriptedEventHub("clicks", "0");
        hub.Add("0", 4);
        var services = new TaskServices { EventHubs = hub };
        var runner = new WatcherRunner(new AssetEventPublisher(services.AssetEvents, services.AssetQueue, new DagBag([])), services.Watermarks, new WatcherContext(services, TimeProvider.System), "h");
        var watcher = new EventHubWatcher("clicks", [Landing], "clicks");

        var pushed = await watcher.HandleBatchAsync(runner, hub.Events("0").Take(3).ToList());
        var polled = await runner.PollOnceAsync(watcher);

        Assert.Equal((3, 1), (pushed.Changes, polled.Changes));
        Assert.Equal(4, (await services.AssetEvents.ListAsync(Landing.Uri, DateTimeOffset.MinValue)).Count);
    }

    [Fact]
    public async Task EventHubPoll_NoReaderConfigured_FindsNothingAndKeepsTheWatermark()
    {
        var watcher = new EventHubWatcher("clicks", [Landing], "clicks");
        var mark = new Watermark { Values = new Dictionary<string, string> { ["partition:0"] = "9" } };

        var poll = await watcher.PollAsync(new WatcherContext(new TaskServices(), TimeProvider.System), mark, default);

        Assert.Empty(poll.Changes);
        Assert.Equal("9", poll.Next["partition:0"]);
    }

    [Fact]
    public async Task Queue_MessagesBecomeEventsAndAreDeleted_ARedeliveredMessageIsNotDoubled()
    {
        var queue = new InMemoryMessageQueue("orders", TimeProvider.System);
        var services = new TaskServices { MessageQueues = _ => queue };
        var runner = new WatcherRunner(new AssetEventPublisher(services.AssetEvents, services.AssetQueue, new DagBag([])), services.Watermarks, new WatcherContext(services, TimeProvider.System), "h");
        var watcher = new StorageQueueWatcher("orders", [Landing], "orders") { Visibility = TimeSpan.FromMilliseconds(200) };
        await queue.SendAsync("""{"order":1}""");
        await queue.SendAsync("plain text");

        // A crash after the events were stored but before the messages were deleted: they come back.
        var poll = await watcher.PollAsync(runner.Context, new Watermark(), default);
        await new AssetEventPublisher(services.AssetEvents, services.AssetQueue, new DagBag([])).PublishAsync(
            [.. poll.Changes.Select(c => new AssetEvent(watcher.EventId(0, c, Landing.Uri), Landing.Uri, AssetEventSource.Watcher, c.At) { Extra = c.Extra })]);
        await Task.Delay(400);
        var cycle = await runner.PollOnceAsync(watcher);

        Assert.Equal((2, 0), (cycle.Changes, cycle.NewEvents));
        var events = await services.AssetEvents.ListAsync(Landing.Uri, DateTimeOffset.MinValue);
        Assert.Equal(["""{"body":"plain text"}""", """{"order":1}"""], events.Select(e => e.Extra).Order(StringComparer.Ordinal));
        Assert.Empty(await queue.ReceiveAsync(32, TimeSpan.FromSeconds(1)));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>An in-memory event hub: partitions with events numbered from 0, and the positions it was read from.</summary>
    private sealed class ScriptedEventHub(string name, params string[] partitions) : IEventHubReader
    {
        private readonly Dictionary<string, List<EventHubEvent>> _events = partitions.ToDictionary(p => p, _ => new List<EventHubEvent>());

        public List<long> ReadsAfter { get; } = [];

        public void Add(string partition, int count)
        {
            var list = _events[partition];
            for (var i = 0; i < count; i++)
            {
                var seq = list.Count;
                list.Add(new EventHubEvent(partition, seq, (seq * 64).ToString(System.Globalization.CultureInfo.InvariantCulture), T0.AddSeconds(seq), $$"""{"seq":{{seq}}}"""));
            }
        }

        public IEnumerable<EventHubEvent> Events(string partition) => _events[partition];

        public Task<IReadOnlyList<string>> GetPartitionIdsAsync(string eventHub, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<string>>(eventHub == name ? partitions : throw new InvalidOperationException($"no hub {eventHub}"));

        public Task<IReadOnlyList<EventHubEvent>> ReadAsync(string eventHub, string partition, long afterSequenceNumber, int maxEvents, CancellationToken cancellationToken = default)
        {
            ReadsAfter.Add(afterSequenceNumber);
            return Task.FromResult<IReadOnlyList<EventHubEvent>>([.. _events[partition].Where(e => e.SequenceNumber > afterSequenceNumber).Take(maxEvents)]);
        }
    }

    private sealed class ScriptedProbe(IReadOnlyList<IReadOnlyList<ObjectInfo>> listings) : IObjectProbe
    {
        private int _next;

        public Task<bool> ExistsAsync(string container, string name, bool isPrefix, CancellationToken cancellationToken = default) => Task.FromResult(false);

        public async IAsyncEnumerable<ObjectInfo> ListAsync(string container, string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var blob in listings[Math.Min(_next++, listings.Count - 1)])
            {
                yield return blob;
            }

            await Task.CompletedTask;
        }
    }

    private sealed class CrashingWatermarks(IWatermarkStore inner) : IWatermarkStore
    {
        public Task<Watermark> GetAsync(string watcher, CancellationToken cancellationToken = default) => inner.GetAsync(watcher, cancellationToken);

        public Task<Watermark?> TryReplaceAsync(string watcher, Watermark next, CancellationToken cancellationToken = default) => throw new IOException("process killed");

        public Task<IReadOnlyDictionary<string, Watermark>> ListAsync(CancellationToken cancellationToken = default) => inner.ListAsync(cancellationToken);
    }
}

public sealed class WatcherHostTests
{
    [Fact]
    public async Task PollDue_NameDeclaredByTwoDags_NotPolled_OthersAre()
    {
        var asset = new Asset("wasb://q/");
        var queues = new System.Collections.Concurrent.ConcurrentDictionary<string, InMemoryMessageQueue>();
        var services = new TaskServices { MessageQueues = n => queues.GetOrAdd(n, x => new InMemoryMessageQueue(x, TimeProvider.System)) };
        var dags = new DagBag([
            Gale.Dags.Dag.Create("one").Watch(new StorageQueueWatcher("shared", [asset], "a")).Watch(new StorageQueueWatcher("own", [asset], "c")).Task("t", _ => { }).Build(),
            Gale.Dags.Dag.Create("two").Watch(new StorageQueueWatcher("shared", [asset], "b")).Task("t", _ => { }).Build(),
        ]);
        var runner = new WatcherRunner(new AssetEventPublisher(services.AssetEvents, services.AssetQueue, dags), services.Watermarks, new WatcherContext(services, TimeProvider.System), "h");
        var host = new WatcherHost(dags, runner);
        foreach (var name in new[] { "a", "b", "c" })
        {
            await services.MessageQueues(name).SendAsync("{}");
        }

        var found = await host.PollDueAsync();

        Assert.Equal(1, found);
        Assert.Equal(["own"], host.Watchers.Select(w => w.Name));
        Assert.Equal(["shared"], WatcherCatalog.From(dags.Dags).Where(e => e.DagIds.Count == 2).Select(e => e.Watcher.Name));
    }
}
