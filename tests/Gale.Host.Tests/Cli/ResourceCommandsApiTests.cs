using System.Text.Json.Nodes;

namespace Gale.Host.Tests.Cli;

/// <summary>
/// <c>gale pools|variables|assets|watchers</c> run once with <c>--storage</c> and once with <c>--api</c> against a
/// Gale API on a loopback port over the same Azurite account, served by <paramref name="host"/>: the same JSON, the
/// same exit codes. Storage is shared with other test classes, so lists are compared on this test's own (uniquely
/// named) items.
/// </summary>
public abstract class ResourceCommandsApiTests(AzuriteFixture azurite, HttpHost host) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private string _folder = null!;
    private LoopbackApi _api = null!;

    private string Storage => azurite.Server.ConnectionString;

    public async Task InitializeAsync()
    {
        _folder = Directory.CreateTempSubdirectory("gale-cli-api-").FullName;
        var dags = Path.Combine(_folder, "dags");
        Directory.CreateDirectory(dags);
        await File.WriteAllTextAsync(Path.Combine(dags, "landing.yaml"), $$"""
            dag_id: landing_{{_suffix}}
            watchers:
              - name: watch_{{_suffix}}
                type: blob
                container: landing{{_suffix}}
                prefix: sales/
                poll_interval: 30s
                assets: [{uri: "wasb://landing{{_suffix}}/sales/", name: landing}]
            tasks:
              - id: load
                operator: empty
                outlets: ["wasb://warehouse{{_suffix}}/sales/"]
            """);
        _api = await LoopbackApi.StartAsync(azurite, dags, host);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> ViaStorageAsync(params string[] args) =>
        GaleProcess.RunAsync(_folder, [.. args, "--storage", Storage]);

    private Task<(int ExitCode, string Stdout, string Stderr)> ViaApiAsync(params string[] args) => ViaApiWithKeyAsync(LoopbackApi.AdminKey, args);

    private Task<(int ExitCode, string Stdout, string Stderr)> ViaApiWithKeyAsync(string key, params string[] args) =>
        GaleProcess.RunAsync(new Dictionary<string, string?> { ["GALE_API_KEY"] = key }, _folder, [.. args, "--api", _api.Url]);

    /// <summary>Both ways; asserts the exit codes match and returns both outputs.</summary>
    private async Task<((int ExitCode, string Stdout, string Stderr) Storage, (int ExitCode, string Stdout, string Stderr) Api)> BothAsync(int expectedExit, params string[] args)
    {
        var storage = await ViaStorageAsync(args);
        var api = await ViaApiAsync(args);
        Assert.True(storage.ExitCode == expectedExit, $"storage: exit {storage.ExitCode} for {string.Join(' ', args)}: {storage.Stderr}");
        Assert.True(api.ExitCode == expectedExit, $"api: exit {api.ExitCode} for {string.Join(' ', args)}: {api.Stderr}");
        return (storage, api);
    }

    /// <summary>The items of a JSON array whose <paramref name="property"/> this test owns, as canonical JSON.</summary>
    private string Mine(string json, string property) =>
        new JsonArray([.. JsonNode.Parse(json)!.AsArray().Where(n => n![property]!.GetValue<string>().Contains(_suffix, StringComparison.Ordinal)).Select(n => n!.DeepClone())]).ToJsonString();

    [Fact]
    public async Task Pools_SetListDelete_StorageAndApiPrintTheSameJsonAndExitCodes()
    {
        string a = "pa_" + _suffix, b = "pb_" + _suffix;

        var setA = await ViaStorageAsync("pools", "set", a, "3", "--description", "narrow");
        var setB = await ViaApiAsync("pools", "set", b, "3", "--description", "narrow");
        var resizeA = await ViaApiAsync("pools", "set", a, "5");
        var resizeB = await ViaStorageAsync("pools", "set", b, "5");
        var (list, apiList) = await BothAsync(0, "pools", "list", "--output", "json");
        var (table, apiTable) = await BothAsync(0, "pools", "list");

        Assert.Equal((0, $"Pool {a} has 3 slots.\n"), (setA.ExitCode, setA.Stdout));
        Assert.Equal((0, $"Pool {b} has 3 slots.\n"), (setB.ExitCode, setB.Stdout));
        Assert.Equal((0, $"Pool {a} has 5 slots.\n"), (resizeA.ExitCode, resizeA.Stdout));
        Assert.Equal((0, $"Pool {b} has 5 slots.\n"), (resizeB.ExitCode, resizeB.Stdout));
        Assert.Equal(Mine(list.Stdout, "name"), Mine(apiList.Stdout, "name"));
        var pools = JsonNode.Parse(apiList.Stdout)!.AsArray();
        Assert.Equal("""{"name":"{a}","slots":5,"occupied_slots":0,"open_slots":5,"description":"narrow"}""".Replace("{a}", a, StringComparison.Ordinal), pools.Single(p => (string?)p!["name"] == a)!.ToJsonString());
        Assert.Contains(pools, p => (string?)p!["name"] == "default_pool");
        foreach (var output in new[] { table.Stdout, apiTable.Stdout })
        {
            Assert.Contains("occupied", output, StringComparison.Ordinal);
            Assert.Contains(a, output, StringComparison.Ordinal);
        }

        var deleteA = await ViaStorageAsync("pools", "delete", a);
        var deleteAgain = await ViaApiAsync("pools", "delete", a);
        var deleteB = await ViaApiAsync("pools", "delete", b);
        var deleteBAgain = await ViaStorageAsync("pools", "delete", b);
        var (defaultPool, apiDefaultPool) = await BothAsync(2, "pools", "delete", "default_pool");
        var (negative, apiNegative) = await BothAsync(2, "pools", "set", a, "-1");

        Assert.Equal((0, $"Pool {a} deleted.\n"), (deleteA.ExitCode, deleteA.Stdout));
        Assert.Equal((1, $"gale: pool '{a}' does not exist.\n"), (deleteAgain.ExitCode, deleteAgain.Stderr));
        Assert.Equal((0, $"Pool {b} deleted.\n"), (deleteB.ExitCode, deleteB.Stdout));
        Assert.Equal((1, $"gale: pool '{b}' does not exist.\n"), (deleteBAgain.ExitCode, deleteBAgain.Stderr));
        Assert.Equal(defaultPool.Stderr, apiDefaultPool.Stderr);
        Assert.Equal(negative.Stderr, apiNegative.Stderr);
    }

    [Fact]
    public async Task Variables_SetGetListDelete_StorageAndApiPrintTheSameJsonAndExitCodes()
    {
        string a = "va_" + _suffix, b = "vb_" + _suffix, secret = "db_password_" + _suffix;

        var setA = await ViaStorageAsync("variables", "set", a, "one", "--description", "first");
        var setB = await ViaApiAsync("variables", "set", b, """{"n": 2}""", "--description", "second");
        var replaceA = await ViaApiAsync("variables", "set", a, "uno"); // replaces: the description goes too
        var setSecret = await ViaApiAsync("variables", "set", secret, "hunter2");
        var (getA, apiGetA) = await BothAsync(0, "variables", "get", a, "--output", "json");
        var (getB, apiGetB) = await BothAsync(0, "variables", "get", b);
        var (list, apiList) = await BothAsync(0, "variables", "list", "--output", "json");
        var (table, apiTable) = await BothAsync(0, "variables", "list");
        var secretFromStorage = await ViaStorageAsync("variables", "get", secret);
        var secretFromApi = await ViaApiAsync("variables", "get", secret);
        var (missing, apiMissing) = await BothAsync(1, "variables", "get", "nope_" + _suffix);

        Assert.All(new[] { setA, setB, replaceA, setSecret }, r => Assert.Equal(0, r.ExitCode));
        Assert.Equal($"Variable {b} set.\n", setB.Stdout);
        Assert.Equal(getA.Stdout, apiGetA.Stdout);
        Assert.Equal($$"""{"key":"{{a}}","value":"uno","description":null}""", JsonNode.Parse(apiGetA.Stdout)!.ToJsonString());
        Assert.Equal(getB.Stdout, apiGetB.Stdout);
        Assert.Equal("""{"n": 2}""" + "\n", apiGetB.Stdout);
        Assert.Equal(Mine(list.Stdout, "key"), Mine(apiList.Stdout, "key"));
        Assert.Contains($$"""{"key":"{{secret}}","value":"***","description":null}""", Mine(apiList.Stdout, "key"), StringComparison.Ordinal);
        Assert.Contains(b, table.Stdout, StringComparison.Ordinal);
        Assert.Contains(b, apiTable.Stdout, StringComparison.Ordinal);
        Assert.Equal((0, "hunter2\n"), (secretFromStorage.ExitCode, secretFromStorage.Stdout));
        Assert.Equal((1, string.Empty), (secretFromApi.ExitCode, secretFromApi.Stdout)); // never the mask as if it were the value
        Assert.Contains("sensitive", secretFromApi.Stderr, StringComparison.Ordinal);
        Assert.Equal(missing.Stderr, apiMissing.Stderr);
        Assert.Contains("does not exist", apiMissing.Stderr, StringComparison.Ordinal);

        var deleteA = await ViaStorageAsync("variables", "delete", a);
        var deleteAgain = await ViaApiAsync("variables", "delete", a);
        var deleteB = await ViaApiAsync("variables", "delete", b);
        var deleteBAgain = await ViaStorageAsync("variables", "delete", b);
        await ViaApiAsync("variables", "delete", secret);
        var (emptyKey, apiEmptyKey) = await BothAsync(2, "variables", "set", " ", "x");

        Assert.Equal((0, $"Variable {a} deleted.\n"), (deleteA.ExitCode, deleteA.Stdout));
        Assert.Equal((1, $"gale: variable '{a}' does not exist.\n"), (deleteAgain.ExitCode, deleteAgain.Stderr));
        Assert.Equal((0, $"Variable {b} deleted.\n"), (deleteB.ExitCode, deleteB.Stdout));
        Assert.Equal((1, $"gale: variable '{b}' does not exist.\n"), (deleteBAgain.ExitCode, deleteBAgain.Stderr));
        Assert.Equal(emptyKey.Stderr, apiEmptyKey.Stderr);
    }

    [Fact]
    public async Task Assets_EmitEventsList_StorageAndApiPrintTheSameJsonAndExitCodes()
    {
        var uri = $"wasb://warehouse{_suffix}/sales/";

        var emitted = await ViaStorageAsync("assets", "emit", uri, "--extra", """{"rows": 3}""", "--output", "json");
        var apiEmitted = await ViaApiAsync("assets", "emit", uri, "--extra", """{"rows": 4}""", "--output", "json");
        var apiEmittedText = await ViaApiAsync("assets", "emit", uri);
        var (events, apiEvents) = await BothAsync(0, "assets", "events", uri, "--output", "json");
        var (latest, apiLatest) = await BothAsync(0, "assets", "events", uri, "--limit", "1", "--output", "json");
        var (table, apiTable) = await BothAsync(0, "assets", "events", uri);
        var (list, apiList) = await BothAsync(0, "assets", "list", "--output", "json");
        var (badExtra, apiBadExtra) = await BothAsync(2, "assets", "emit", uri, "--extra", "[1]");
        var (badUri, apiBadUri) = await BothAsync(2, "assets", "emit", "not a uri");
        var folderWithApi = await ViaApiAsync("assets", "list", "--dags-folder", "elsewhere");

        Assert.True(emitted.ExitCode == 0, emitted.Stderr);
        Assert.True(apiEmitted.ExitCode == 0, apiEmitted.Stderr);
        Assert.True(apiEmittedText.ExitCode == 0, apiEmittedText.Stderr);
        Assert.StartsWith("Asset event ", apiEmittedText.Stdout, StringComparison.Ordinal);
        Assert.EndsWith($" emitted for {uri}.\n", apiEmittedText.Stdout, StringComparison.Ordinal);
        var (one, two) = (JsonNode.Parse(emitted.Stdout)!.AsObject(), JsonNode.Parse(apiEmitted.Stdout)!.AsObject());
        Assert.Equal(one.Select(p => p.Key), two.Select(p => p.Key)); // the same fields in the same order
        Assert.Equal((3, 4), ((int)one["extra"]!["rows"]!, (int)two["extra"]!["rows"]!));
        Assert.Equal(events.Stdout, apiEvents.Stdout);
        Assert.Equal(3, JsonNode.Parse(apiEvents.Stdout)!.AsArray().Count);
        Assert.Equal(latest.Stdout, apiLatest.Stdout);
        Assert.Single(JsonNode.Parse(apiLatest.Stdout)!.AsArray());
        Assert.Equal(table.Stdout, apiTable.Stdout);
        Assert.Equal(Mine(list.Stdout, "uri"), Mine(apiList.Stdout, "uri"));
        Assert.Contains($"landing_{_suffix}.load", Mine(apiList.Stdout, "uri"), StringComparison.Ordinal);
        Assert.Equal(badExtra.Stderr, apiBadExtra.Stderr);
        Assert.Contains("extra: must be a JSON object", apiBadExtra.Stderr, StringComparison.Ordinal);
        Assert.Equal(badUri.Stderr, apiBadUri.Stderr);
        Assert.Equal(2, folderWithApi.ExitCode);
        Assert.Contains("--dags-folder", folderWithApi.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watchers_ListShowReset_StorageAndApiPrintTheSameJsonAndExitCodes()
    {
        var name = "watch_" + _suffix;

        var (list, apiList) = await BothAsync(0, "watchers", "list", "--output", "json");
        var reset = await ViaStorageAsync("watchers", "reset", name, "--since", "2026-01-02T03:04:05Z", "--output", "json");
        var (show, apiShow) = await BothAsync(0, "watchers", "show", name, "--output", "json");
        var apiReset = await ViaApiAsync("watchers", "reset", name, "--output", "json");
        var (showAgain, apiShowAgain) = await BothAsync(0, "watchers", "show", name, "--output", "json");
        var (table, apiTable) = await BothAsync(0, "watchers", "show", name);
        var (missing, apiMissing) = await BothAsync(2, "watchers", "show", "nope_" + _suffix);
        var (missingReset, apiMissingReset) = await BothAsync(2, "watchers", "reset", "nope_" + _suffix);
        var (badSince, apiBadSince) = await BothAsync(2, "watchers", "reset", name, "--since", "yesterday");

        Assert.Equal(Mine(list.Stdout, "name"), Mine(apiList.Stdout, "name"));
        Assert.Single(JsonNode.Parse(Mine(apiList.Stdout, "name"))!.AsArray());
        Assert.True(reset.ExitCode == 0, reset.Stderr);
        Assert.True(apiReset.ExitCode == 0, apiReset.Stderr);
        Assert.Equal(reset.Stdout, show.Stdout);
        Assert.Equal(show.Stdout, apiShow.Stdout);
        Assert.Equal(apiReset.Stdout, showAgain.Stdout);
        Assert.Equal(showAgain.Stdout, apiShowAgain.Stdout);
        var (byCli, byApi) = (JsonNode.Parse(reset.Stdout)!["watermark"]!, JsonNode.Parse(apiReset.Stdout)!["watermark"]!);
        Assert.Equal(("cli", 1, "api", 2), ((string?)byCli["updated_by"], (int)byCli["epoch"]!, (string?)byApi["updated_by"], (int)byApi["epoch"]!));
        Assert.Equal(table.Stdout, apiTable.Stdout);
        Assert.Contains("events emitted", apiTable.Stdout, StringComparison.Ordinal);
        Assert.Equal(missing.Stderr, apiMissing.Stderr);
        Assert.Contains("no watcher is named", apiMissing.Stderr, StringComparison.Ordinal);
        Assert.Equal(missingReset.Stderr, apiMissingReset.Stderr);
        Assert.Equal(badSince.Stderr, apiBadSince.Stderr);
    }

    [Fact]
    public async Task Api_WrongKeyReadKeyUnreachableBadUrlOrBothTargets_ExitsOneOrTwoWithTheReason()
    {
        var wrongKey = await ViaApiWithKeyAsync("wrong-key-0123456789", "variables", "list");
        var readOnly = await ViaApiWithKeyAsync(LoopbackApi.ReadKey, "pools", "set", "p_" + _suffix, "1");
        var unreachable = await GaleProcess.RunAsync(_folder, "pools", "list", "--api", "http://127.0.0.1:1");
        var badUrl = await GaleProcess.RunAsync(_folder, "variables", "list", "--api", "not-a-url");
        var both = await GaleProcess.RunAsync(_folder, "watchers", "list", "--api", _api.Url, "--storage", Storage);
        var storageBeatsSetting = await GaleProcess.RunAsync(new Dictionary<string, string?> { ["GALE_API_URL"] = "http://127.0.0.1:1" }, _folder, "pools", "list", "--storage", Storage);

        Assert.Equal((1, string.Empty), (wrongKey.ExitCode, wrongKey.Stdout));
        Assert.Contains("401", wrongKey.Stderr, StringComparison.Ordinal);
        Assert.Contains("Send a valid API key in the X-API-Key header.", wrongKey.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, readOnly.ExitCode);
        Assert.Contains("403", readOnly.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("not reachable", unreachable.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, badUrl.ExitCode);
        Assert.Contains("not-a-url", badUrl.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--api", both.Stderr, StringComparison.Ordinal);
        Assert.Contains("--storage", both.Stderr, StringComparison.Ordinal);
        Assert.True(storageBeatsSetting.ExitCode == 0, storageBeatsSetting.Stderr);
    }
}

/// <summary>The CLI against <c>gale serve</c>'s API.</summary>
public sealed class ResourceCommandsApiTestsOnServe(AzuriteFixture azurite) : ResourceCommandsApiTests(azurite, HttpHost.Serve);

/// <summary>The CLI against the Function App's <c>http</c> function.</summary>
public sealed class ResourceCommandsApiTestsOnFunctions(AzuriteFixture azurite) : ResourceCommandsApiTests(azurite, HttpHost.Functions);
