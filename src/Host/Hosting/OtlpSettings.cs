using System.Globalization;

namespace Gale.Host.Hosting;

/// <summary>Where one signal (traces or metrics) is exported: the full URL, the protocol and extra headers.</summary>
/// <param name="Endpoint">The URL the exporter sends to (for http/protobuf including /v1/traces or /v1/metrics).</param>
/// <param name="Grpc">True for OTLP/gRPC, false for OTLP/HTTP with protobuf bodies.</param>
/// <param name="Headers">Extra request headers in the OTEL_EXPORTER_OTLP_HEADERS format (<c>k1=v1,k2=v2</c>), or null.</param>
/// <param name="TimeoutMilliseconds">How long one export may take.</param>
public sealed record OtlpTarget(Uri Endpoint, bool Grpc, string? Headers, int TimeoutMilliseconds)
{
    /// <summary>The protocol's name in OTEL_EXPORTER_OTLP_PROTOCOL's terms.</summary>
    public string Protocol => Grpc ? OtlpSettings.GrpcProtocol : OtlpSettings.HttpProtobufProtocol;
}

/// <summary>
/// The OpenTelemetry exporter settings of <c>gale serve</c> and the Functions handler, read with the standard
/// OTEL_* names from the environment or local.settings.json (so a Function App's app settings work too). Nothing
/// is exported unless an endpoint is set. Unlike the .NET SDK (gRPC), the default protocol is the specification's
/// http/protobuf (port 4318).
/// </summary>
/// <param name="Traces">Where spans go, or null when traces are not exported.</param>
/// <param name="Metrics">Where metrics go, or null when metrics are not exported.</param>
/// <param name="ServiceName">The resource's service.name.</param>
/// <param name="ResourceAttributes">Further resource attributes (OTEL_RESOURCE_ATTRIBUTES).</param>
/// <param name="MetricExportIntervalMilliseconds">How often metrics are exported.</param>
/// <param name="DeltaTemporality">True to export metrics as deltas (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta).</param>
public sealed record OtlpSettings(OtlpTarget? Traces, OtlpTarget? Metrics, string ServiceName, IReadOnlyDictionary<string, string> ResourceAttributes, int MetricExportIntervalMilliseconds, bool DeltaTemporality)
{
    /// <summary>OTLP over gRPC.</summary>
    public const string GrpcProtocol = "grpc";

    /// <summary>OTLP over HTTP with protobuf bodies (the default).</summary>
    public const string HttpProtobufProtocol = "http/protobuf";

    /// <summary>The service.name when OTEL_SERVICE_NAME is not set.</summary>
    public const string DefaultServiceName = "gale";

    /// <summary>
    /// Reads the settings; null when neither traces nor metrics have an endpoint (or OTEL_SDK_DISABLED=true).
    /// </summary>
    /// <exception cref="FormatException">A setting has a value Gale cannot use (the message names it).</exception>
    public static OtlpSettings? Read(Func<string, string?> setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        string? Get(string name) => setting(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        if (string.Equals(Get("OTEL_SDK_DISABLED"), "true", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var traces = Target(Get, "TRACES", "v1/traces");
        var metrics = Target(Get, "METRICS", "v1/metrics");
        if (traces is null && metrics is null)
        {
            return null;
        }

        var attributes = ParsePairs(Get("OTEL_RESOURCE_ATTRIBUTES"), "OTEL_RESOURCE_ATTRIBUTES");
        var serviceName = Get("OTEL_SERVICE_NAME") ?? attributes.GetValueOrDefault("service.name") ?? DefaultServiceName;
        var temporality = Get("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE")?.ToLowerInvariant();
        if (temporality is not (null or "cumulative" or "delta"))
        {
            throw new FormatException($"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE is '{temporality}'; use cumulative or delta.");
        }

        return new OtlpSettings(traces, metrics, serviceName, attributes, Milliseconds(Get, "OTEL_METRIC_EXPORT_INTERVAL", 60_000), temporality == "delta");
    }

    /// <summary>A one-line description for the start-up banner.</summary>
    public override string ToString() =>
        $"OpenTelemetry: traces {Describe(Traces)}, metrics {Describe(Metrics)}, service.name {ServiceName}";

    private static string Describe(OtlpTarget? target) => target is null ? "off" : $"to {target.Endpoint} ({target.Protocol})";

    // OTEL_EXPORTER_OTLP_{SIGNAL}_ENDPOINT is used as is; OTEL_EXPORTER_OTLP_ENDPOINT is a base to which http/protobuf
    // appends the signal's path (the OTLP exporter specification). OTEL_{SIGNAL}_EXPORTER=none turns a signal off.
    private static OtlpTarget? Target(Func<string, string?> get, string signal, string path)
    {
        var exporter = get($"OTEL_{signal}_EXPORTER")?.ToLowerInvariant();
        if (exporter == "none")
        {
            return null;
        }

        if (exporter is not (null or "otlp"))
        {
            throw new FormatException($"OTEL_{signal}_EXPORTER is '{exporter}'; Gale exports with otlp (or none).");
        }

        var protocol = (get($"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL") ?? get("OTEL_EXPORTER_OTLP_PROTOCOL") ?? HttpProtobufProtocol).ToLowerInvariant();
        if (protocol is not (GrpcProtocol or HttpProtobufProtocol))
        {
            throw new FormatException($"The OTLP protocol is '{protocol}'; use {HttpProtobufProtocol} or {GrpcProtocol} (OTEL_EXPORTER_OTLP_PROTOCOL).");
        }

        var grpc = protocol == GrpcProtocol;
        Uri endpoint;
        if (get($"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT") is { } specific)
        {
            endpoint = Absolute(specific, $"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT");
        }
        else if (get("OTEL_EXPORTER_OTLP_ENDPOINT") is { } common)
        {
            var root = Absolute(common, "OTEL_EXPORTER_OTLP_ENDPOINT");
            endpoint = grpc ? root : new Uri(root.AbsoluteUri.TrimEnd('/') + "/" + path);
        }
        else
        {
            return null;
        }

        var headers = Join(get("OTEL_EXPORTER_OTLP_HEADERS"), get($"OTEL_EXPORTER_OTLP_{signal}_HEADERS"));
        ParsePairs(headers, "OTEL_EXPORTER_OTLP_HEADERS"); // fail at start-up, not at the first export
        var timeout = Milliseconds(get, $"OTEL_EXPORTER_OTLP_{signal}_TIMEOUT", Milliseconds(get, "OTEL_EXPORTER_OTLP_TIMEOUT", 10_000));
        return new OtlpTarget(endpoint, grpc, headers, timeout);
    }

    private static string? Join(string? common, string? specific) =>
        common is null ? specific : specific is null ? common : common + "," + specific;

    private static Uri Absolute(string value, string name) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new FormatException($"{name} is '{value}'; it must be an http:// or https:// URL, e.g. http://localhost:4318.");

    private static int Milliseconds(Func<string, string?> get, string name, int fallback)
    {
        var value = get(name);
        if (value is null)
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? ms
            : throw new FormatException($"{name} is '{value}'; it must be a whole number of milliseconds.");
    }

    // k1=v1,k2=v2 with percent-encoded values (W3C baggage style), as OTEL_RESOURCE_ATTRIBUTES and OTLP headers are written.
    private static Dictionary<string, string> ParsePairs(string? text, string name)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"{name} has '{item}'; write key=value pairs separated by commas.");
            }

            pairs[item[..equals].Trim()] = Uri.UnescapeDataString(item[(equals + 1)..].Trim());
        }

        return pairs;
    }
}
