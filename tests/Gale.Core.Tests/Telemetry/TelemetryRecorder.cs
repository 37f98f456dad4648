using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gale.Telemetry;

namespace Gale.Core.Tests.Telemetry;

/// <summary>
/// Listens to Gale's ActivitySource and Meter as an OpenTelemetry SDK would, keeping what concerns one DAG (listeners
/// are process-wide and other tests run in parallel).
/// </summary>
internal sealed class TelemetryRecorder : IDisposable
{
    private readonly ActivityListener _activities;
    private readonly MeterListener _meters = new();
    private readonly string? _dagId;

    public TelemetryRecorder(string? dagId)
    {
        _dagId = dagId;
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GaleTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (_dagId is null || activity.GetTagItem(GaleTelemetry.Tags.DagId) as string == _dagId)
                {
                    Spans.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_activities);
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == GaleTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Keep(instrument, value, tags));
        _meters.Start();
    }

    public ConcurrentBag<Activity> Spans { get; } = [];

    public ConcurrentQueue<Measured> Measurements { get; } = new();

    public IReadOnlyList<Measured> Of(string instrument) => [.. Measurements.Where(m => m.Instrument == instrument)];

    /// <summary>Collects the observable instruments (the queue depth gauge) now.</summary>
    public void Collect() => _meters.RecordObservableInstruments();

    public void Dispose()
    {
        _activities.Dispose();
        _meters.Dispose();
    }

    private void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        if (_dagId is null || !copy.TryGetValue(GaleTelemetry.Tags.DagId, out var dag) || dag as string == _dagId)
        {
            Measurements.Enqueue(new Measured(instrument.Name, instrument.Unit, value, copy));
        }
    }

    internal sealed record Measured(string Instrument, string? Unit, double Value, IReadOnlyDictionary<string, object?> Tags)
    {
        public string? Tag(string key) => Tags.GetValueOrDefault(key)?.ToString();
    }
}
