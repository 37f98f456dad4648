using System.Text.Json;

namespace Gale.Host.Tests.Cli;

public sealed class DagsShowCommandTests
{
    [Fact]
    public async Task DagsShow_JsonDotAndTable_UnknownDagExits2()
    {
        var folder = Directory.CreateTempSubdirectory("gale-show-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "dags"));
            await File.WriteAllTextAsync(Path.Combine(folder, "dags", "shown.yaml"), """
                dag_id: shown
                schedule: "@daily"
                tasks:
                  - {id: extract, operator: empty}
                  - {id: load, operator: shell, command: "echo hi", upstream: [extract], retries: 2}
                  - {id: report, operator: empty, upstream: [extract, load], trigger_rule: all_done}
                """);

            var (jsonExit, json, jsonErr) = await GaleProcess.RunAsync(folder, "dags", "show", "shown", "--output", "json");
            var (dotExit, dot, _) = await GaleProcess.RunAsync(folder, "dags", "show", "shown", "--dot");
            var (tableExit, table, _) = await GaleProcess.RunAsync(folder, "dags", "show", "shown");
            var (missingExit, _, missingErr) = await GaleProcess.RunAsync(folder, "dags", "show", "nope");

            Assert.True(jsonExit == 0, jsonErr);
            var body = JsonDocument.Parse(json).RootElement;
            Assert.Equal("@daily", body.GetProperty("schedule").GetString());
            var report = body.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("task_id").GetString() == "report");
            Assert.Equal(("all_done", 2), (report.GetProperty("trigger_rule").GetString(), report.GetProperty("upstream").GetArrayLength()));
            Assert.Equal(["load", "report"], body.GetProperty("tasks")[0].GetProperty("downstream").EnumerateArray().Select(d => d.GetString()).Order(StringComparer.Ordinal));
            Assert.Equal(0, dotExit);
            Assert.Contains("digraph \"shown\"", dot, StringComparison.Ordinal);
            Assert.Contains("\"extract\" -> \"load\";", dot, StringComparison.Ordinal);
            Assert.Equal(0, tableExit);
            Assert.Contains("all_done", table, StringComparison.Ordinal);
            Assert.Equal(2, missingExit);
            Assert.Contains("DAG 'nope' is not loaded", missingErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
