using System.Net;

namespace Gale.Storage.Tests.Unit;

/// <summary>An HTTP handler that answers with scripted responses and records every request, for pipeline unit tests.</summary>
internal sealed class ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] script) : HttpMessageHandler
{
    public List<HttpRequestMessage> Requests { get; } = [];

    public static Func<HttpRequestMessage, HttpResponseMessage> Status(int status, string? body = null, string? contentType = null) => _ =>
    {
        var response = new HttpResponseMessage((HttpStatusCode)status);
        response.Headers.Add("x-ms-request-id", $"req-{status}");
        if (body is not null)
        {
            response.Content = new StringContent(body, System.Text.Encoding.UTF8, contentType ?? "application/json");
        }

        return response;
    };

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        var step = script[Math.Min(Requests.Count - 1, script.Length - 1)];
        return Task.FromResult(step(request));
    }
}
