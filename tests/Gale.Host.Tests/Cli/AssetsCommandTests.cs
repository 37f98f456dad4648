using System.Text.Json;

namespace Gale.Host.Tests.Cli;

public sealed class AssetsCommandTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Assets_EmitEventsAndList_TablesJsonAndExitCodes()
    {
        var storage = azurite.Server.ConnectionString;
        var folder = Directory.CreateTempSubdirectory("gale-assets-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "dags"));
            await File.WriteAllTextAsync(Path.Combine(folder, "dags", "producer.yaml"), "dag_id: producer\ntasks:\n  - id: load\n    operator: empty\n    outlets: [wasb://warehouse/sales/]\n");
            var uri = "wasb://warehouse/sales/";

            var (emitExit, emitted, emitErr) = await GaleProcess.RunAsync(folder, "assets", "emit", uri, "--extra", """{"rows": 3}""", "--storage", storage, "--output", "json");
            var (badExit, _, badErr) = await GaleProcess.RunAsync(folder, "assets", "emit", uri, "--extra", "[1]", "--storage", storage);
            var (eventsExit, events, _) = await GaleProcess.RunAsync(folder, "assets", "events", uri, "--storage", storage, "--output", "json");
            var (tableExit, table, _) = await GaleProcess.RunAsync(folder, "assets", "events", uri, "--storage", storage);
            var (listExit, list, listErr) = await GaleProcess.RunAsync(folder, "assets", "list", "--storage", storage, "--output", "json");

            Assert.True(emitExit == 0, emitErr);
            var id = JsonDocument.Parse(emitted).RootElement.GetProperty("id").GetString();
            Assert.Equal(2, badExit);
            Assert.Contains("extra: must be a JSON object", badErr, StringComparison.Ordinal);
            Assert.Equal(0, eventsExit);
            var first = JsonDocument.Parse(events).RootElement.EnumerateArray().First(e => e.GetProperty("id").GetString() == id);
            Assert.Equal(("api", 3), (first.GetProperty("source").GetString(), first.GetProperty("extra").GetProperty("rows").GetInt32()));
            Assert.Equal(0, tableExit);
            Assert.Contains("timestamp", table, StringComparison.Ordinal); // a table for people (ids wrap in a narrow console)
            Assert.Contains("api", table, StringComparison.Ordinal);
            Assert.True(listExit == 0, listErr);
            var sales = JsonDocument.Parse(list).RootElement.EnumerateArray().Single(a => a.GetProperty("uri").GetString() == uri);
            Assert.Equal("producer.load", sales.GetProperty("producing_tasks")[0].GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
