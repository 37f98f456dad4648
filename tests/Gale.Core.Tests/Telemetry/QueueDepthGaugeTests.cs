using Gale.InMemory;
using Gale.Telemetry;

namespace Gale.Core.Tests.Telemetry;

public sealed class QueueDepthGaugeTests
{
    private static long? Depth(TelemetryRecorder recorder, string queueName)
    {
        recorder.Measurements.Clear();
        recorder.Collect();
        return recorder.Of(GaleTelemetry.QueueDepthName).Where(m => m.Tag(GaleTelemetry.Tags.QueueName) == queueName).Select(m => (long?)m.Value).SingleOrDefault();
    }

    [Fact]
    public async Task Track_QueueWithMessages_GaugeReportsCountUntilDisposed()
    {
        var queue = new InMemoryMessageQueue($"q{Guid.NewGuid():N}", TimeProvider.System);
        for (var i = 0; i < 3; i++)
        {
            await queue.SendAsync("m");
        }

        using var recorder = new TelemetryRecorder(null);
        var tracking = QueueDepthGauge.Track(("tasks", queue));

        Assert.Equal(3, Depth(recorder, queue.Name));
        var measured = recorder.Of(GaleTelemetry.QueueDepthName).Single(m => m.Tag(GaleTelemetry.Tags.QueueName) == queue.Name);
        Assert.Equal(("tasks", "{message}"), (measured.Tag(GaleTelemetry.Tags.Queue), measured.Unit));
        tracking.Dispose();
        Assert.Null(Depth(recorder, queue.Name));
    }

    [Fact]
    public async Task Track_CountReadRecently_ReportsTheCachedCountWithoutReadingAgain()
    {
        var queue = new CountingQueue($"q{Guid.NewGuid():N}");
        using var recorder = new TelemetryRecorder(null);
        using var tracking = QueueDepthGauge.Track(("control", queue));

        Assert.Equal(0, Depth(recorder, queue.Name));
        await queue.SendAsync("m");
        Assert.Equal(0, Depth(recorder, queue.Name));

        Assert.Equal(1, queue.Reads);
    }

    [Fact]
    public void Track_QueueWithoutDepth_NotReported()
    {
        var queue = new Gale.Testing.DuplicatingQueue(new InMemoryMessageQueue($"q{Guid.NewGuid():N}", TimeProvider.System));
        using var recorder = new TelemetryRecorder(null);
        using var tracking = QueueDepthGauge.Track(("tasks", queue));

        Assert.Null(Depth(recorder, queue.Name));
    }

    private sealed class CountingQueue(string name) : Gale.Engine.IMessageQueue, IQueueDepth
    {
        private readonly InMemoryMessageQueue _inner = new(name, TimeProvider.System);
        private int _reads;

        public string Name => name;

        public int Reads => _reads;

        public Task<int> GetApproximateCountAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            return _inner.GetApproximateCountAsync(cancellationToken);
        }

        public Task<Gale.Engine.QueueMessageHandle> SendAsync(string body, TimeSpan? delay = null, CancellationToken cancellationToken = default) => _inner.SendAsync(body, delay, cancellationToken);

        public Task<IReadOnlyList<Gale.Engine.QueueMessageHandle>> ReceiveAsync(int maxMessages, TimeSpan visibility, CancellationToken cancellationToken = default) => _inner.ReceiveAsync(maxMessages, visibility, cancellationToken);

        public Task<Gale.Engine.QueueMessageHandle?> RenewAsync(Gale.Engine.QueueMessageHandle message, TimeSpan visibility, CancellationToken cancellationToken = default) => _inner.RenewAsync(message, visibility, cancellationToken);

        public Task DeleteAsync(Gale.Engine.QueueMessageHandle message, CancellationToken cancellationToken = default) => _inner.DeleteAsync(message, cancellationToken);

        public Task SendToPoisonAsync(string body, CancellationToken cancellationToken = default) => _inner.SendToPoisonAsync(body, cancellationToken);
    }
}
