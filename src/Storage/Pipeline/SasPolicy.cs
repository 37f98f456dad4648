using Azure.Core;
using Azure.Core.Pipeline;

namespace Gale.Storage.Pipeline;

/// <summary>Appends a shared access signature to every request's query string.</summary>
internal sealed class SasPolicy(string sas) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        var uri = message.Request.Uri;
        if (!uri.Query.Contains("sig=", StringComparison.Ordinal))
        {
            uri.Query = string.IsNullOrEmpty(uri.Query) ? "?" + sas : uri.Query + "&" + sas;
        }
    }
}
