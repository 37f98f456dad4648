using System.Net;
using System.Text.RegularExpressions;
using Gale.Host.Tests.Cli;

namespace Gale.Host.Tests.Ui;

/// <summary><c>gale serve</c> as users start it, from a folder that is not the app's: the UI is still served from beside gale.</summary>
public sealed class UiServeProcessTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task GaleServe_FromAnotherWorkingDirectory_ServesTheUi()
    {
        var folder = Directory.CreateTempSubdirectory("gale-ui-cwd-").FullName;
        try
        {
            Assert.False(Directory.Exists(Path.Combine(folder, "wwwroot")));
            using var serve = await ServeProcess.StartAsync(folder, azurite.Server.ConnectionString);
            var url = serve.Output.Select(l => Regex.Match(l, @"API (http://127\.0\.0\.1:\d+)/api/v1")).First(m => m.Success).Groups[1].Value;
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };

            using var root = await http.GetAsync(new Uri("/", UriKind.Relative));
            using var index = await http.GetAsync(new Uri("/ui/", UriKind.Relative));
            using var module = await http.GetAsync(new Uri("/ui/js/app.js", UriKind.Relative));
            using var missing = await http.GetAsync(new Uri("/ui/js/missing.js", UriKind.Relative));
            using var api = await http.GetAsync(new Uri("/api/v1/dags", UriKind.Relative));

            Assert.Equal((HttpStatusCode.Redirect, "/ui/"), (root.StatusCode, root.Headers.Location?.OriginalString));
            Assert.Equal((HttpStatusCode.OK, "text/html"), (index.StatusCode, index.Content.Headers.ContentType?.MediaType));
            Assert.Contains("js/app.js", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal((HttpStatusCode.OK, "text/javascript"), (module.StatusCode, module.Content.Headers.ContentType?.MediaType));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode); // the files are public, the API behind them is not
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
