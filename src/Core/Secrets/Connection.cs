using System.Globalization;
using System.Text.Json;

namespace Gale.Secrets;

/// <summary>
/// Credentials and coordinates of an outside system (Airflow's Connection), read from <c>GALE_CONN_&lt;ID&gt;</c> as a
/// URI (<c>type://login:password@host:port/schema?extra=value</c>, parts percent-encoded) or as JSON
/// (<c>{"conn_type": …, "host": …, "login": …, "password": …, "port": …, "schema": …, "extra": {…}}</c>).
/// </summary>
public sealed record Connection
{
    /// <summary>The connection's id.</summary>
    public required string ConnId { get; init; }

    /// <summary>The type (URI scheme, with <c>-</c> read as <c>_</c>): <c>http</c>, <c>https</c>, <c>postgres</c>, ….</summary>
    public string ConnType { get; init; } = string.Empty;

    /// <summary>Host name.</summary>
    public string? Host { get; init; }

    /// <summary>User name.</summary>
    public string? Login { get; init; }

    /// <summary>Password (masked wherever it appears in logs).</summary>
    public string? Password { get; init; }

    /// <summary>Schema (the URI's path).</summary>
    public string? Schema { get; init; }

    /// <summary>Port.</summary>
    public int? Port { get; init; }

    /// <summary>Extra settings (the URI's query, or the JSON's <c>extra</c> object).</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Parses a connection from the value of <c>GALE_CONN_&lt;ID&gt;</c>.</summary>
    /// <exception cref="FormatException">The value is neither a URI nor connection JSON; the message names the connection.</exception>
    public static Connection Parse(string connId, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        return text.StartsWith('{') ? ParseJson(connId, text) : ParseUri(connId, text);
    }

    private static Connection ParseUri(string connId, string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Scheme))
        {
            throw new FormatException($"connection '{connId}': '{Redacted(text)}' is not a connection URI (type://login:password@host:port/schema?extra=value) or JSON.");
        }

        string? login = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            login = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }

        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            extra[name] = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
        }

        var schema = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        return new Connection
        {
            ConnId = connId,
            ConnType = uri.Scheme.Replace('-', '_'),
            Host = uri.Host.Length == 0 ? null : Uri.UnescapeDataString(uri.Host),
            Login = login,
            Password = password,
            Port = uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port,
            Schema = schema.Length == 0 ? null : schema,
            Extra = extra,
        };
    }

    private static Connection ParseJson(string connId, string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
                ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())
                : null;
            var extra = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("extra", out var extraJson) && extraJson.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in extraJson.EnumerateObject())
                {
                    extra[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
            }

            var port = Text("port");
            return new Connection
            {
                ConnId = connId,
                ConnType = (Text("conn_type") ?? string.Empty).Replace('-', '_'),
                Host = Text("host"),
                Login = Text("login"),
                Password = Text("password"),
                Schema = Text("schema"),
                Port = port is null ? null : int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : throw new FormatException($"connection '{connId}': port '{port}' is not a number."),
                Extra = extra,
            };
        }
        catch (JsonException e)
        {
            throw new FormatException($"connection '{connId}': the value is not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>
    /// The base URL an HTTP client uses: the scheme is the schema when it is http or https (Airflow's HttpHook),
    /// else the type when it is http or https, else http; a schema that is not a scheme is a base path.
    /// A host that already holds <c>://</c> is used as is.
    /// </summary>
    public Uri BaseUrl()
    {
        if (Host is not null && Host.Contains("://", StringComparison.Ordinal))
        {
            return new Uri(Host.TrimEnd('/') + "/");
        }

        static bool IsWebScheme(string? s) => s is "http" or "https";
        var scheme = IsWebScheme(Schema) ? Schema! : IsWebScheme(ConnType) ? ConnType : "http";
        var path = IsWebScheme(Schema) || string.IsNullOrEmpty(Schema) ? string.Empty : Schema.Trim('/') + "/";
        var port = Port is { } p ? ":" + p.ToString(CultureInfo.InvariantCulture) : string.Empty;
        return new Uri($"{scheme}://{Host ?? throw new InvalidOperationException($"connection '{ConnId}' has no host.")}{port}/{path}");
    }

    /// <summary>An attribute by its Airflow name (<c>host</c>, <c>login</c>, <c>password</c>, <c>schema</c>, <c>port</c>, <c>conn_type</c>, <c>conn_id</c>), or null when unknown.</summary>
    public string? Attribute(string name) => name switch
    {
        "host" => Host ?? string.Empty,
        "login" => Login ?? string.Empty,
        "password" => Password ?? string.Empty,
        "schema" => Schema ?? string.Empty,
        "port" => Port?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
        "conn_type" => ConnType,
        "conn_id" => ConnId,
        _ => null,
    };

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"Connection({ConnId}: {ConnType}://{Login}{(Password is null ? string.Empty : ":***")}@{Host}{(Port is null ? string.Empty : ":" + Port)})";

    // Never echo a connection's value: it may be all secret. The scheme (if any) is enough to recognise it.
    private static string Redacted(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon is > 0 and < 20 ? text[..colon] + ":…" : "…";
    }
}
