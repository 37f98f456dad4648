using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Gale.Storage.Pipeline;

/// <summary>
/// Signs blob and queue requests with SharedKey, and table requests with SharedKeyLite, as documented in
/// "Authorize with Shared Key". Runs per attempt so the signed x-ms-date is always fresh.
/// </summary>
internal sealed class SharedKeyPolicy(StorageSharedKeyCredential credential, bool tableService) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        string scheme;
        string stringToSign;
        if (tableService)
        {
            scheme = "SharedKeyLite";
            stringToSign = $"{Header(request, "x-ms-date")}\n{TableCanonicalResource(request.Uri.ToUri())}";
        }
        else
        {
            scheme = "SharedKey";
            stringToSign = BlobQueueStringToSign(request);
        }

        request.Headers.SetValue("Authorization", $"{scheme} {credential.AccountName}:{credential.Sign(stringToSign)}");
    }

    private string BlobQueueStringToSign(Request request)
    {
        long length = 0;
        var hasLength = request.Content is not null && request.Content.TryComputeLength(out length);
        var contentLength = hasLength && length > 0 ? length.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty;

        var sb = new StringBuilder();
        sb.Append(request.Method.Method.ToUpperInvariant()).Append('\n');
        sb.Append(Header(request, "Content-Encoding")).Append('\n');
        sb.Append(Header(request, "Content-Language")).Append('\n');
        sb.Append(contentLength).Append('\n');
        sb.Append(Header(request, "Content-MD5")).Append('\n');
        sb.Append(Header(request, "Content-Type")).Append('\n');
        sb.Append('\n'); // Date: x-ms-date is used instead.
        sb.Append(Header(request, "If-Modified-Since")).Append('\n');
        sb.Append(Header(request, "If-Match")).Append('\n');
        sb.Append(Header(request, "If-None-Match")).Append('\n');
        sb.Append(Header(request, "If-Unmodified-Since")).Append('\n');
        sb.Append(Header(request, "Range")).Append('\n');

        var msHeaders = request.Headers
            .Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Name.ToLowerInvariant(), Value: h.Value.Trim()))
            .OrderBy(h => h.Name, StringComparer.Ordinal);
        foreach (var (name, value) in msHeaders)
        {
            sb.Append(name).Append(':').Append(value).Append('\n');
        }

        var uri = request.Uri.ToUri();
        sb.Append('/').Append(credential.AccountName).Append(uri.AbsolutePath);
        var query = ParseQuery(uri.Query)
            .GroupBy(p => p.Name.ToLowerInvariant())
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in query)
        {
            var values = group.Select(p => p.Value).OrderBy(v => v, StringComparer.Ordinal);
            sb.Append('\n').Append(group.Key).Append(':').Append(string.Join(',', values));
        }

        return sb.ToString();
    }

    private string TableCanonicalResource(Uri uri)
    {
        var resource = $"/{credential.AccountName}{uri.AbsolutePath}";
        var comp = ParseQuery(uri.Query).FirstOrDefault(p => p.Name.Equals("comp", StringComparison.OrdinalIgnoreCase));
        return comp.Name is null ? resource : $"{resource}?comp={comp.Value}";
    }

    private static string Header(Request request, string name) =>
        request.Headers.TryGetValue(name, out var value) ? value : string.Empty;

    private static IEnumerable<(string Name, string Value)> ParseQuery(string query)
    {
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            yield return (name, value);
        }
    }
}
