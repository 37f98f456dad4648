using System.Net;
using Gale.Host.Hosting;

namespace Gale.Host.Tests.Cli;

/// <summary>
/// A new user's first <c>gale serve</c>: no authentication configured, so it makes an admin key in <c>.gale/api-key</c>,
/// prints the UI URL that logs in with it and the line for the CLI, reuses it on the next start, and refuses to listen
/// beyond loopback without real authentication.
/// </summary>
public sealed class FirstRunKeyServeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Serve_FreshFolderWithoutAuth_MakesAKeyThatOpensTheApiAndReusesItOnTheNextStart()
    {
        var folder = Directory.CreateTempSubdirectory("gale-first-run-").FullName;
        try
        {
            string key;
            using (var first = await ServeProcess.StartAsync(folder, azurite.Server.ConnectionString, new Dictionary<string, string>()))
            {
                var loginUrl = await first.WaitForLineAsync(@"^UI: (http://127\.0\.0\.1:\d+/ui/#key=\S+)$");
                key = await first.WaitForLineAsync(@"^GALE_API_KEY=(\S+)$");
                var api = new Uri(loginUrl[..loginUrl.IndexOf("/ui/", StringComparison.Ordinal)]);
                using var http = new HttpClient { BaseAddress = api };

                using var without = await http.GetAsync(new Uri("/api/v1/dags", UriKind.Relative));
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/dags");
                request.Headers.Add("X-API-Key", key);
                using var with = await http.SendAsync(request);
                var viaCli = await GaleProcess.RunAsync(new Dictionary<string, string?> { ["GALE_API_KEY"] = null }, folder, "dags", "list", "--api", api.ToString(), "--output", "json");

                Assert.EndsWith($"#key={key}", loginUrl, StringComparison.Ordinal);
                Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
                Assert.Equal(HttpStatusCode.OK, with.StatusCode);
                Assert.True(viaCli.ExitCode == 0, $"gale dags list --api from the same folder: exit {viaCli.ExitCode}: {viaCli.Stderr}");
                Assert.Contains(first.Output, l => l.Contains("created an admin API key", StringComparison.Ordinal));
            }

            var path = Path.Combine(folder, ".gale", "api-key");
            Assert.Equal(key, (await File.ReadAllTextAsync(path)).Trim());
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            using var second = await ServeProcess.StartAsync(folder, azurite.Server.ConnectionString, new Dictionary<string, string>());
            Assert.Equal(key, await second.WaitForLineAsync(@"^GALE_API_KEY=(\S+)$"));
            Assert.Contains(second.Output, l => l.Contains("using the admin API key", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_BeyondLoopbackWithoutAuth_RefusesToStartAndNamesTheSettings()
    {
        var folder = Directory.CreateTempSubdirectory("gale-first-run-").FullName;
        try
        {
            var (exit, _, stderr) = await GaleProcess.RunAsync(folder, "serve", "--host", "0.0.0.0", "--port", "0", "--storage", azurite.Server.ConnectionString);

            Assert.Equal(2, exit);
            Assert.Contains("refusing to listen on 0.0.0.0", stderr, StringComparison.Ordinal);
            Assert.Contains("GALE_API_KEYS", stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(folder, ".gale", "api-key")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_ConfiguredKeys_NoFirstRunKeyIsMade()
    {
        var folder = Directory.CreateTempSubdirectory("gale-first-run-").FullName;
        try
        {
            using var serve = await ServeProcess.StartAsync(folder, azurite.Server.ConnectionString, new Dictionary<string, string> { ["GALE_API_KEYS"] = "configured-key-0123456789:admin" });

            Assert.DoesNotContain(serve.Output, l => l.StartsWith("GALE_API_KEY=", StringComparison.Ordinal) || l.StartsWith("UI: ", StringComparison.Ordinal));
            Assert.False(File.Exists(Path.Combine(folder, ".gale", "api-key")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("::1", true)]
    [InlineData("localhost", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("10.0.0.4", false)]
    [InlineData("gale.example.com", false)]
    public void IsLoopback_Addresses_OnlyThisMachine(string host, bool expected) =>
        Assert.Equal(expected, FirstRunKey.IsLoopback(host));

    [Fact]
    public void GetOrCreate_TruncatedKeyFile_ReplacedByAGoodKey()
    {
        var folder = Directory.CreateTempSubdirectory("gale-first-run-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, ".gale"));
            File.WriteAllText(Path.Combine(folder, FirstRunKey.RelativePath), "gale_");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Combine(folder, FirstRunKey.RelativePath), UnixFileMode.UserRead | UnixFileMode.UserWrite); // as Gale writes it
            }

            var (key, created) = FirstRunKey.GetOrCreate(folder);

            Assert.True(created);
            Assert.Equal(key, FirstRunKey.Read(folder));
            Assert.Single(Directory.GetFiles(Path.Combine(folder, ".gale"))); // no temporary file left behind
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void GetOrCreate_KeyFileOthersMayRead_RefusedNamingTheFile()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no Unix modes to check there
        }

        var folder = Directory.CreateTempSubdirectory("gale-first-run-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, ".gale"));
            var path = Path.Combine(folder, FirstRunKey.RelativePath);
            File.WriteAllText(path, "gale_planted-key-0123456789");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            var e = Assert.Throws<IOException>(() => FirstRunKey.GetOrCreate(folder));

            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Contains("other users", e.Message, StringComparison.Ordinal);
            Assert.Null(FirstRunKey.TryRead(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void GetOrCreate_KeyFileIsALink_Refused()
    {
        var folder = Directory.CreateTempSubdirectory("gale-first-run-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, ".gale"));
            var elsewhere = Path.Combine(folder, "elsewhere");
            File.WriteAllText(elsewhere, "gale_planted-key-0123456789");
            File.CreateSymbolicLink(Path.Combine(folder, FirstRunKey.RelativePath), elsewhere);

            var e = Assert.Throws<IOException>(() => FirstRunKey.GetOrCreate(folder));

            Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("[::1]", true)]
    [InlineData("[2001:db8::1]", false)]
    public void IsLoopback_BracketedIPv6_ReadAsTheAddress(string host, bool expected) =>
        Assert.Equal(expected, FirstRunKey.IsLoopback(host));

    [Fact]
    public void GetOrCreate_SecondCall_ReturnsTheSameKeyWithoutWriting()
    {
        var folder = Directory.CreateTempSubdirectory("gale-first-run-").FullName;
        try
        {
            var (key, created) = FirstRunKey.GetOrCreate(folder);
            var written = File.GetLastWriteTimeUtc(Path.Combine(folder, FirstRunKey.RelativePath));
            var (again, createdAgain) = FirstRunKey.GetOrCreate(folder);

            Assert.True(created);
            Assert.False(createdAgain);
            Assert.Equal(key, again);
            Assert.True(key.Length >= 32, key);
            Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(folder, FirstRunKey.RelativePath)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
