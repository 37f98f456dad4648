using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Gale.Storage.Pipeline;

/// <summary>Stamps x-ms-version once per call and a fresh x-ms-date on every attempt (signatures cover the date).</summary>
internal sealed class StorageHeadersPolicy(string serviceVersion, bool tableService) : HttpPipelineSynchronousPolicy
{
    public override void OnSendingRequest(HttpMessage message)
    {
        message.Request.Headers.SetValue("x-ms-version", serviceVersion);
        message.Request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture));
        if (tableService)
        {
            message.Request.Headers.SetValue("DataServiceVersion", "3.0");
            message.Request.Headers.SetValue("MaxDataServiceVersion", "3.0;NetFx");
        }
    }
}
