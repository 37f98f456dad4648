using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Gale.Telemetry;

/// <summary>
/// The <see cref="GaleTelemetry.QueueDepthName"/> gauge: the queues registered with <see cref="Track"/> are read when a
/// metrics reader collects (never otherwise), at most once per <see cref="MaxAge"/>, all at once and for at most
/// <see cref="ReadTimeout"/>, so a scrape neither hammers storage nor hangs on it. A queue that cannot be read is left
/// out until it is read again (after <see cref="MaxAge"/>).
/// </summary>
public static class QueueDepthGauge
{
    private static readonly Lock Gate = new();
    private static readonly List<Probe> Probes = [];

    // Created when the first queue is tracked (after Gate and Probes, which its callback uses).
    private static readonly ObservableGauge<long> Gauge = GaleTelemetry.Meter.CreateObservableGauge(GaleTelemetry.QueueDepthName, Observe, "{message}", "Approximate number of messages in Gale's queues (visible or not).");

    /// <summary>How long a read count is reported before the queue is read again.</summary>
    public static TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest a collection waits for the queues' counts.</summary>
    public static TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Reports the depth of each queue as its role (tasks or control) until the returned handle is disposed. A queue
    /// that does not implement <see cref="IQueueDepth"/> is not reported; a queue tracked twice (by name) is reported once.
    /// </summary>
    public static IDisposable Track(params ReadOnlySpan<(string Role, Gale.Engine.IMessageQueue Queue)> queues)
    {
        var added = new List<Probe>(queues.Length);
        foreach (var (role, queue) in queues)
        {
            ArgumentNullException.ThrowIfNull(queue);
            if (queue is IQueueDepth depth)
            {
                added.Add(new Probe(role, queue.Name, depth));
            }
        }

        GC.KeepAlive(Gauge);
        lock (Gate)
        {
            Probes.AddRange(added);
        }

        return new Registration(added);
    }

    private static List<Measurement<long>> Observe()
    {
        List<Probe> probes;
        lock (Gate)
        {
            probes = [.. Probes.DistinctBy(p => p.QueueName)];
        }

        var reads = probes.Where(p => p.IsStale).Select(p => p.ReadAsync()).ToArray();
        if (reads.Length > 0)
        {
            try
            {
                Task.WaitAll(reads, ReadTimeout);
            }
            catch (AggregateException)
            {
                // A failed read leaves its queue out (below).
            }
        }

        var measurements = new List<Measurement<long>>(probes.Count);
        foreach (var probe in probes)
        {
            if (probe.Count is { } count)
            {
                measurements.Add(new(count, new(GaleTelemetry.Tags.Queue, probe.Role), new(GaleTelemetry.Tags.QueueName, probe.QueueName)));
            }
        }

        return measurements;
    }

    private sealed class Probe(string role, string queueName, IQueueDepth queue)
    {
        private readonly Lock _gate = new();
        private Task? _reading;
        private long? _count;
        private long _readAt;

        public string Role => role;

        public string QueueName => queueName;

        // A read (successful or not) is good for MaxAge: a queue that cannot be read is not tried at every collection.
        public bool IsStale
        {
            get
            {
                lock (_gate)
                {
                    return _readAt == 0 || Stopwatch.GetElapsedTime(_readAt) > MaxAge;
                }
            }
        }

        // The last count read while it is fresh; null when it is stale or the last read failed.
        public long? Count
        {
            get
            {
                lock (_gate)
                {
                    return _readAt != 0 && Stopwatch.GetElapsedTime(_readAt) <= MaxAge ? _count : null;
                }
            }
        }

        // One read at a time: a collection that finds a read in flight waits for it instead of starting another.
        public Task ReadAsync()
        {
            lock (_gate)
            {
                return _reading ??= ReadCoreAsync();
            }
        }

        private async Task ReadCoreAsync()
        {
            await Task.Yield();
            try
            {
                using var timeout = new CancellationTokenSource(ReadTimeout);
                var count = await queue.GetApproximateCountAsync(timeout.Token);
                lock (_gate)
                {
                    _count = count;
                    _readAt = Stopwatch.GetTimestamp();
                }
            }
            catch (Exception)
            {
                // Unreachable, throttled or timed out: reported again after the next successful read.
                lock (_gate)
                {
                    _count = null;
                    _readAt = Stopwatch.GetTimestamp();
                }
            }
            finally
            {
                lock (_gate)
                {
                    _reading = null;
                }
            }
        }
    }

    private sealed class Registration(List<Probe> probes) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate)
            {
                Probes.RemoveAll(probes.Contains);
            }
        }
    }
}
