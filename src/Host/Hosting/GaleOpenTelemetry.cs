using Gale.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Gale.Host.Hosting;

/// <summary>
/// Exports Gale's spans and metrics (the ActivitySource and Meter named <see cref="GaleTelemetry.Name"/>) over OTLP
/// with the OpenTelemetry SDK, as <see cref="OtlpSettings"/> says. Disposing it flushes what is buffered.
/// </summary>
internal sealed class GaleOpenTelemetry : IDisposable
{
    private readonly TracerProvider? _tracer;
    private readonly MeterProvider? _meter;

    private GaleOpenTelemetry(OtlpSettings settings, TracerProvider? tracer, MeterProvider? meter)
    {
        Settings = settings;
        _tracer = tracer;
        _meter = meter;
    }

    /// <summary>What is exported where.</summary>
    public OtlpSettings Settings { get; }

    /// <summary>
    /// Starts exporting when an OTLP endpoint is configured; null when none is (then Gale records nothing: its
    /// ActivitySource and Meter have no listener). <paramref name="instanceId"/> becomes service.instance.id.
    /// </summary>
    /// <exception cref="FormatException">A setting is malformed.</exception>
    public static GaleOpenTelemetry? Start(Func<string, string?> setting, string? instanceId = null)
    {
        var settings = OtlpSettings.Read(setting);
        if (settings is null)
        {
            return null;
        }

        var version = typeof(GaleOpenTelemetry).Assembly.GetName().Version?.ToString();
        void Resource(ResourceBuilder resource) => resource
            .AddTelemetrySdk()
            .AddAttributes(settings.ResourceAttributes.Select(a => new KeyValuePair<string, object>(a.Key, a.Value)))
            .AddService(settings.ServiceName, serviceVersion: version, autoGenerateServiceInstanceId: instanceId is null, serviceInstanceId: instanceId);

        var tracer = settings.Traces is { } traces
            ? Sdk.CreateTracerProviderBuilder()
                .ConfigureResource(Resource)
                .AddSource(GaleTelemetry.Name)
                .AddOtlpExporter(o => Configure(o, traces))
                .Build()
            : null;
        var meter = settings.Metrics is { } metrics
            ? Sdk.CreateMeterProviderBuilder()
                .ConfigureResource(Resource)
                .AddMeter(GaleTelemetry.Name)
                .AddOtlpExporter((o, reader) =>
                {
                    Configure(o, metrics);
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = settings.MetricExportIntervalMilliseconds;
                    reader.TemporalityPreference = settings.DeltaTemporality ? MetricReaderTemporalityPreference.Delta : MetricReaderTemporalityPreference.Cumulative;
                })
                .Build()
            : null;
        return new GaleOpenTelemetry(settings, tracer, meter);
    }

    /// <summary>Exports everything buffered now (spans) or collected now (metrics); false when it did not finish in time.</summary>
    public bool ForceFlush(TimeSpan timeout)
    {
        var ms = (int)timeout.TotalMilliseconds;
        var traced = _tracer?.ForceFlush(ms) ?? true;
        var measured = _meter?.ForceFlush(ms) ?? true;
        return traced && measured;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _tracer?.Dispose();
        _meter?.Dispose();
    }

    // Set in code, an http/protobuf endpoint is used as is: OtlpTarget already holds the full URL.
    private static void Configure(OtlpExporterOptions options, OtlpTarget target)
    {
        options.Endpoint = target.Endpoint;
        options.Protocol = target.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        options.Headers = target.Headers;
        options.TimeoutMilliseconds = target.TimeoutMilliseconds;
    }
}
