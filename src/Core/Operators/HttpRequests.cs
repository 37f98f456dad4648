using System.Net.Http.Headers;
using System.Text;
using Gale.Secrets;

namespace Gale.Operators;

/// <summary>
/// Builds an HTTP request from a URL, or from an <c>http_conn_id</c> and an endpoint under the connection's base
/// URL; the connection's login (basic auth) and extra headers only ever go to the connection's own host.
/// Used by the http operator and the HTTP sensor trigger.
/// </summary>
public static class HttpRequests
{
    /// <summary>The request, without a body.</summary>
    /// <exception cref="InvalidOperationException">Neither a URL nor a connection, or an absolute endpoint with a connection.</exception>
    public static HttpRequestMessage Create(string method, string? url, string? httpConnId, string? endpoint, ConnectionResolver connections, SecretMasker masker)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(masker);
        var connection = httpConnId is null ? null : connections.Get(httpConnId);
        Uri uri;
        if (!string.IsNullOrEmpty(url))
        {
            uri = new Uri(url, UriKind.Absolute);
        }
        else if (connection is not null)
        {
            endpoint ??= string.Empty;
            if (Uri.TryCreate(endpoint, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https" || endpoint.StartsWith("//", StringComparison.Ordinal) || endpoint.StartsWith('\\'))
            {
                throw new InvalidOperationException($"endpoint '{endpoint}' is an absolute URL; it must be a path under the connection '{httpConnId}' (use url for another host)");
            }

            uri = new Uri(connection.BaseUrl(), endpoint.TrimStart('/'));
        }
        else
        {
            throw new InvalidOperationException("http: give url, or http_conn_id with an endpoint");
        }

        var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), uri);
        if (connection is not null && SameOrigin(uri, connection.BaseUrl()))
        {
            if (connection.Login is not null)
            {
                var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{connection.Login}:{connection.Password}"));
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", token);
                masker.Add(token);
            }

            foreach (var (name, value) in connection.Extra)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase) && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;
}
