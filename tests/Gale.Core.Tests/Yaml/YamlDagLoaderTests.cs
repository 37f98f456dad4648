using Gale.Dags;
using Gale.Operators;
using Gale.Yaml;

namespace Gale.Core.Tests.Yaml;

public sealed class YamlDagLoaderTests
{
    private const string Valid = """
        dag_id: example
        description: demo
        schedule: null
        start_date: 2024-01-01
        tags: [a, b]
        max_active_runs: 2
        default_args:
          retries: 2
          retry_delay: 30s
        tasks:
          - id: extract
            operator: shell
            command: "echo 42"
            env: {MODE: test}
          - id: report
            operator: shell
            command: "echo done"
            upstream: [extract]
            trigger_rule: all_done
            retries: 0
            execution_timeout: PT5M
          - id: end
            operator: empty
            upstream: report
        """;

    [Fact]
    public void Load_ValidFile_BuildsDagWithDefaultsAndOverrides()
    {
        var dag = YamlDagLoader.Load("dags/example.yaml", Valid);

        Assert.Equal("example", dag.DagId);
        Assert.Equal(["a", "b"], dag.Settings.Tags);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), dag.Settings.StartDate);
        Assert.Equal(2, dag.Settings.MaxActiveRuns);
        Assert.Null(dag.Settings.Schedule);
        Assert.Equal("dags/example.yaml", dag.Settings.Fileloc);
        var extract = dag.GetTask("extract");
        var report = dag.GetTask("report");
        Assert.Equal((2, TimeSpan.FromSeconds(30)), (extract.Retries, extract.RetryDelay));
        Assert.Equal("test", ((ShellOperator)extract.Operator).Environment["MODE"]);
        Assert.Equal((0, TriggerRule.AllDone, TimeSpan.FromMinutes(5)), (report.Retries, report.TriggerRule, report.ExecutionTimeout));
        Assert.IsType<EmptyOperator>(dag.GetTask("end").Operator);
        Assert.Equal(["report"], dag.GetTask("end").Upstream);
    }

    [Theory]
    [InlineData("dag_id: x\ntasks:\n  - id: a\n    operator: shell\n    comand: ls\n", 5, "tasks[0].comand", "unknown field")]
    [InlineData("dag_id: x\ntasks:\n  - id: a\n    operator: shell\n    command: ls\n    trigger_rule: all_good\n", 6, "tasks[0].trigger_rule", "'all_good' is not a trigger rule")]
    [InlineData("dag_id: x\ntasks:\n  - id: a\n    operator: python\n", 4, "tasks[0].operator", "unknown operator 'python'")]
    [InlineData("dag_id: x\ntasks:\n  - id: a\n    operator: shell\n", 3, "tasks[0].command", "is required for the shell operator")]
    [InlineData("tasks:\n  - id: a\n    operator: empty\n", 1, "dag_id", "is required")]
    [InlineData("dag_id: x\ntasks:\n  - id: a\n    operator: empty\n    retry_delay: soon\n", 5, "tasks[0].retry_delay", "'soon' is not a duration")]
    [InlineData("dag_id: x\nstart_date: yesterday\ntasks:\n  - id: a\n    operator: empty\n", 2, "start_date", "is not a date")]
    [InlineData("dag_id: x\ntasks: []\n", 2, "tasks", "is required")]
    [InlineData("dag_id: x\ntasks:\n  - id: a\n    operator: empty\n    upstream: [ghost]\n", 1, "tasks", "upstream 'ghost', which is not a task")]
    [InlineData("dag_id: x\ntasks:\n  - id: a\n    operator: empty\n    upstream: b\n  - id: b\n    operator: empty\n    upstream: a\n", 1, "tasks", "cycle detected: a -> b -> a")]
    [InlineData("dag_id: x\ntasks:\n  - id: a\n    operator: empty\n    retries: many\n", 5, "tasks[0].retries", "'many' is not a whole number")]
    [InlineData("dag_id: [x\n", 2, "(syntax)", "")]
    public void Load_InvalidFile_ErrorNamesFileLineAndField(string yaml, int line, string field, string problem)
    {
        var e = Assert.Throws<YamlDagException>(() => YamlDagLoader.Load("dags/x.yaml", yaml));

        Assert.Equal(line, e.Line);
        Assert.Equal(field, e.Field);
        Assert.StartsWith($"dags/x.yaml:{line}: {field}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TaskGroups_PrefixedIdsGroupUpstreamAndDefaults()
    {
        var dag = YamlDagLoader.Load("groups.yaml", """
            dag_id: grouped
            task_groups:
              - id: extract
                upstream: start
                default_args: {retries: 4}
            tasks:
              - id: start
                operator: empty
              - id: users
                group: extract
                operator: empty
              - id: orders
                group: extract
                operator: empty
              - id: merge
                group: extract.inner
                operator: empty
                upstream: [users, orders]
              - id: report
                operator: empty
                upstream: extract
            """);

        Assert.Equal(["start"], dag.GetTask("extract.users").Upstream);
        Assert.Equal(["extract.users", "extract.orders"], dag.GetTask("extract.inner.merge").Upstream);
        Assert.Equal(["extract.inner.merge"], dag.GetTask("report").Upstream);
        Assert.Equal(4, dag.GetTask("extract.orders").Retries);
        Assert.Equal(0, dag.GetTask("report").Retries);
    }

    [Fact]
    public void LoadFolder_OneBrokenFile_OthersStillLoad()
    {
        var folder = Directory.CreateTempSubdirectory("gale-yaml-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "good.yaml"), Valid);
            File.WriteAllText(Path.Combine(folder, "bad.yml"), "dag_id: broken\ntasks:\n  - id: a\n    operator: nope\n");
            File.WriteAllText(Path.Combine(folder, "notes.txt"), "not a dag");

            var (dags, errors) = YamlDagLoader.LoadFolder(folder);

            Assert.Equal("example", Assert.Single(dags).DagId);
            var error = Assert.Single(errors);
            Assert.EndsWith("bad.yml", error.Source, StringComparison.Ordinal);
            Assert.Contains("bad.yml:4: tasks[0].operator: unknown operator 'nope'", error.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("45s", 45)]
    [InlineData("30m", 1800)]
    [InlineData("1h", 3600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("PT30M", 1800)]
    [InlineData("P1DT1H", 90000)]
    public void Durations_TryParse_AcceptedForms(string text, int seconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("1x")]
    public void Durations_TryParse_RejectsGarbage(string text) => Assert.False(Durations.TryParse(text, out _));
}
