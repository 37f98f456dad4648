using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gale.Host.Tests.Cli;

public sealed class DagsTestCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gale-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task DagsTest_BuiltInDag_JsonShapeAndExitZero()
    {
        var (exit, stdout, _) = await GaleProcess.RunAsync(_folder, "dags", "test", "example_etl", "--logical-date", "2024-03-01", "--output", "json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(["dag_id", "run_id", "state", "tasks"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("example_etl", root.GetProperty("dag_id").GetString());
        Assert.Equal("manual__2024-03-01T00:00:00+00:00", root.GetProperty("run_id").GetString());
        Assert.Equal("success", root.GetProperty("state").GetString());
        var tasks = root.GetProperty("tasks").EnumerateArray().ToList();
        Assert.Equal(["extract", "transform", "load"], tasks.Select(t => t.GetProperty("task_id").GetString()));
        foreach (var task in tasks)
        {
            Assert.Equal(["task_id", "map_index", "state", "try_number", "start_date", "end_date"], task.EnumerateObject().Select(p => p.Name));
            Assert.Equal(-1, task.GetProperty("map_index").GetInt32());
            Assert.Equal("success", task.GetProperty("state").GetString());
            Assert.Equal(1, task.GetProperty("try_number").GetInt32());
            Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$"), task.GetProperty("start_date").GetString()!);
            Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$"), task.GetProperty("end_date").GetString()!);
        }
    }

    [Fact]
    public async Task DagsTest_FailingYamlDag_ExitOneAndStates()
    {
        File.WriteAllText(Path.Combine(_folder, "failing.yaml"), """
            dag_id: failing
            tasks:
              - id: boom
                operator: shell
                command: "exit 3"
              - id: after
                operator: empty
                upstream: boom
            """);

        var (exit, stdout, _) = await GaleProcess.RunAsync(_folder, "dags", "test", "failing", "--dags-folder", _folder, "--output", "json");

        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("failed", json.RootElement.GetProperty("state").GetString());
        var states = json.RootElement.GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("task_id").GetString()!, t => t.GetProperty("state").GetString());
        Assert.Equal("failed", states["boom"]);
        Assert.Equal("upstream_failed", states["after"]);
    }

    [Fact]
    public async Task DagsTest_TableOutput_ShowsTasksAndRunState()
    {
        var (exit, stdout, _) = await GaleProcess.RunAsync(_folder, "dags", "test", "example_etl");

        Assert.Equal(0, exit);
        Assert.Contains("transform", stdout, StringComparison.Ordinal);
        Assert.Contains("success", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DagsTest_UnknownDag_ExitTwoListsKnownDags()
    {
        var (exit, _, stderr) = await GaleProcess.RunAsync(_folder, "dags", "test", "nope", "--dags-folder", _folder);

        Assert.Equal(2, exit);
        Assert.Contains("no DAG 'nope'", stderr, StringComparison.Ordinal);
        Assert.Contains("example_etl", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DagsTest_BrokenYaml_ExitTwoNamesFileLineAndField()
    {
        File.WriteAllText(Path.Combine(_folder, "broken.yaml"), "dag_id: broken\ntasks:\n  - id: a\n    operator: shell\n    command: ls\n    trigger_rule: sometimes\n");

        var (exit, _, stderr) = await GaleProcess.RunAsync(_folder, "dags", "test", "broken", "--dags-folder", _folder);

        Assert.Equal(2, exit);
        Assert.Contains("broken.yaml:6: tasks[0].trigger_rule: 'sometimes' is not a trigger rule", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DagsTest_ConfBreaksParams_ExitTwoListsEveryProblem()
    {
        File.WriteAllText(Path.Combine(_folder, "typed.yaml"), "dag_id: typed\nparams:\n  limit: {type: integer, maximum: 5}\n  mode: {type: string, enum: [a, b], default: a}\ntasks:\n  - id: t\n    operator: empty\n");

        var (exit, _, stderr) = await GaleProcess.RunAsync(_folder, "dags", "test", "typed", "--dags-folder", _folder, "--conf", "{\"limit\": 9, \"mode\": \"c\"}");

        Assert.Equal(2, exit);
        Assert.Contains("param 'limit': 9 is above the maximum 5", stderr, StringComparison.Ordinal);
        Assert.Contains("param 'mode': \"c\" is not one of \"a\", \"b\"", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--conf", "[1,2]", "must be a JSON object")]
    [InlineData("--conf", "{oops", "not valid JSON")]
    [InlineData("--logical-date", "someday", "is not an ISO 8601 date")]
    [InlineData("--output", "xml", "xml")]
    public async Task DagsTest_BadOption_ExitTwo(string option, string value, string expected)
    {
        var (exit, _, stderr) = await GaleProcess.RunAsync(_folder, "dags", "test", "example_etl", option, value);

        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
    }
}
