using Gale.Host.Hosting;

namespace Gale.Host.Tests.Hosting;

public sealed class OtlpSettingsTests
{
    private static OtlpSettings? Read(params (string Name, string Value)[] settings)
    {
        var all = settings.ToDictionary(s => s.Name, s => s.Value, StringComparer.Ordinal);
        return OtlpSettings.Read(all.GetValueOrDefault);
    }

    [Fact]
    public void Read_NoEndpoint_NullSoNothingIsExported()
    {
        Assert.Null(Read());
        Assert.Null(Read(("OTEL_SERVICE_NAME", "etl"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")));
    }

    [Fact]
    public void Read_BaseEndpoint_HttpProtobufWithSignalPathsAndServiceGale()
    {
        var settings = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"))!;

        Assert.Equal(("http://collector:4318/v1/traces", "http/protobuf"), (settings.Traces!.Endpoint.AbsoluteUri, settings.Traces.Protocol));
        Assert.Equal("http://collector:4318/v1/metrics", settings.Metrics!.Endpoint.AbsoluteUri);
        Assert.Equal(("gale", 60_000, 10_000), (settings.ServiceName, settings.MetricExportIntervalMilliseconds, settings.Traces.TimeoutMilliseconds));
    }

    [Fact]
    public void Read_BaseEndpointWithPathOverGrpc_EndpointUsedAsIs()
    {
        var settings = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"))!;

        Assert.Equal(("http://collector:4317/", true), (settings.Traces!.Endpoint.AbsoluteUri, settings.Traces.Grpc));
        Assert.Equal("http://collector:4317/", settings.Metrics!.Endpoint.AbsoluteUri);
    }

    [Fact]
    public void Read_SignalSpecificSettings_WinForTheirSignalOnly()
    {
        var settings = Read(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://otlp.example.com/otlp"),
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://tempo:4318/v1/traces"),
            ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cret"),
            ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-tenant=a"))!;

        Assert.Equal(("http://tempo:4318/v1/traces", false, "api-key=s3cret"), (settings.Traces!.Endpoint.AbsoluteUri, settings.Traces.Grpc, settings.Traces.Headers));
        Assert.Equal(("https://otlp.example.com/otlp", true, "api-key=s3cret,x-tenant=a"), (settings.Metrics!.Endpoint.AbsoluteUri, settings.Metrics.Grpc, settings.Metrics.Headers));
    }

    [Fact]
    public void Read_OnlyTracesEndpointOrMetricsExporterNone_OtherSignalOff()
    {
        Assert.Null(Read(("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://tempo:4318/v1/traces"))!.Metrics);
        Assert.Null(Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_METRICS_EXPORTER", "none"))!.Metrics);
        Assert.Null(Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_SDK_DISABLED", "true")));
    }

    [Fact]
    public void Read_ServiceNameAndResourceAttributes_ServiceNameSettingWins()
    {
        var settings = Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,deployment.environment=prod%20eu"), ("OTEL_SERVICE_NAME", "gale-prod"))!;

        Assert.Equal("gale-prod", settings.ServiceName);
        Assert.Equal("prod eu", settings.ResourceAttributes["deployment.environment"]);
        Assert.Equal("from-attrs", Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs"))!.ServiceName);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "collector:4318")]
    [InlineData("OTEL_METRIC_EXPORT_INTERVAL", "10s")]
    [InlineData("OTEL_EXPORTER_OTLP_HEADERS", "no-equals-sign")]
    [InlineData("OTEL_TRACES_EXPORTER", "zipkin")]
    public void Read_MalformedSetting_FormatExceptionNamingIt(string name, string value)
    {
        var error = Assert.Throws<FormatException>(() => Read(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), (name, value)));

        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }
}
