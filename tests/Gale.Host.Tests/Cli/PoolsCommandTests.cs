using System.Text.Json;

namespace Gale.Host.Tests.Cli;

public sealed class PoolsCommandTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Pools_SetListDelete_ShowsSlotsAndExitCodes()
    {
        var storage = azurite.Server.ConnectionString;
        var name = "pool_" + Guid.NewGuid().ToString("N")[..8];

        var (setExit, _, setErr) = await GaleProcess.RunAsync(Path.GetTempPath(), "pools", "set", name, "3", "--description", "narrow API", "--storage", storage);
        var (listExit, list, _) = await GaleProcess.RunAsync(Path.GetTempPath(), "pools", "list", "--storage", storage, "--output", "json");
        var (deleteExit, _, _) = await GaleProcess.RunAsync(Path.GetTempPath(), "pools", "delete", name, "--storage", storage);
        var (againExit, _, againErr) = await GaleProcess.RunAsync(Path.GetTempPath(), "pools", "delete", name, "--storage", storage);
        var (defaultExit, _, defaultErr) = await GaleProcess.RunAsync(Path.GetTempPath(), "pools", "delete", "default_pool", "--storage", storage);

        Assert.True(setExit == 0, setErr);
        Assert.Equal(0, listExit);
        var pools = JsonDocument.Parse(list).RootElement.EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!, p => (p.GetProperty("slots").GetInt32(), p.GetProperty("open_slots").GetInt32()));
        Assert.Equal((3, 3), pools[name]);
        Assert.Equal(128, pools["default_pool"].Item1); // open slots vary: other tests may be running tasks
        Assert.Equal(0, deleteExit);
        Assert.Equal(1, againExit);
        Assert.Contains("does not exist", againErr, StringComparison.Ordinal);
        Assert.Equal(2, defaultExit);
        Assert.Contains("cannot be deleted", defaultErr, StringComparison.Ordinal);
    }
}
