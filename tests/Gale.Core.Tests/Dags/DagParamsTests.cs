using System.Text.Json;
using Gale.Dags;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Yaml;

namespace Gale.Core.Tests.Dags;

public sealed class DagParamsTests
{
    private static readonly Dictionary<string, DagParam> Params = new()
    {
        ["limit"] = DagParam.WithDefault(10, ParamType.Integer) with { Minimum = 1, Maximum = 100 },
        ["mode"] = DagParam.WithDefault("fast", ParamType.String) with { Enum = [JsonSerializer.SerializeToElement("fast"), JsonSerializer.SerializeToElement("slow")] },
        ["target"] = new DagParam { Type = ParamType.String },
    };

    [Fact]
    public void Resolve_ConfOverridesDefaults()
    {
        var (values, errors) = DagParams.Resolve(Params, """{"target": "prod", "limit": 50, "extra": true}""");

        Assert.Empty(errors);
        Assert.Equal(50, values["limit"].GetInt32());
        Assert.Equal("fast", values["mode"].GetString());
        Assert.Equal("prod", values["target"].GetString());
        Assert.False(values.ContainsKey("extra"));
    }

    [Fact]
    public void Resolve_EveryProblemListed()
    {
        var (_, errors) = DagParams.Resolve(Params, """{"limit": 500, "mode": "medium"}""");

        Assert.Equal(
            ["param 'limit': 500 is above the maximum 100", "param 'mode': \"medium\" is not one of \"fast\", \"slow\"", "param 'target' is required and has no default"],
            errors);
    }

    [Theory]
    [InlineData("""{"target": 5}""", "param 'target': expected string, got number 5")]
    [InlineData("""{"target": "x", "limit": 2.5}""", "param 'limit': expected integer, got number 2.5")]
    [InlineData("""{"target": "x", "limit": 0}""", "param 'limit': 0 is below the minimum 1")]
    public void Resolve_BadValue_Explained(string conf, string expected) =>
        Assert.Equal(expected, Assert.Single(DagParams.Resolve(Params, conf).Errors));

    [Fact]
    public async Task Task_SeesParamsFromDefaultsAndConf()
    {
        var seen = (0, string.Empty);
        var dag = Dag.Create("params")
            .Param("limit", DagParam.WithDefault(10, ParamType.Integer))
            .Param("mode", DagParam.WithDefault("fast", ParamType.String))
            .Task("use", ctx => { seen = (ctx.Param<int>("limit"), ctx.Param<string>("mode")!); })
            .Build();

        await DagTestRunner.RunAsync(dag, new DagRun { DagId = "params", RunId = "manual__p", Conf = """{"limit": 3}""", QueuedAt = DateTimeOffset.UtcNow });

        Assert.Equal((3, "fast"), seen);
    }

    [Fact]
    public void Yaml_Params_TypedDefaultsEnumAndRange()
    {
        var dag = YamlDagLoader.Load("p.yaml", """
            dag_id: p
            params:
              plain: 7
              limit: {type: integer, default: 10, minimum: 1, maximum: 100, description: rows}
              mode: {type: string, default: fast, enum: [fast, slow]}
              target: {type: string}
            tasks:
              - id: a
                operator: empty
            """);

        var parameters = dag.Settings.Params;
        Assert.Equal(ParamType.Integer, parameters["limit"].Type);
        Assert.Equal(10, parameters["limit"].Default!.Value.GetInt32());
        Assert.Equal(100, parameters["limit"].Maximum);
        Assert.Equal("rows", parameters["limit"].Description);
        Assert.Null(parameters["target"].Default);
        Assert.Equal(["param 'target' is required and has no default"], DagParams.Resolve(parameters, "{}").Errors);
        Assert.Empty(DagParams.Resolve(parameters, """{"target": "t", "limit": 99}""").Errors);
    }

    [Fact]
    public void Yaml_BadParamType_NamesField()
    {
        var e = Assert.Throws<YamlDagException>(() => YamlDagLoader.Load("p.yaml", "dag_id: p\nparams:\n  x: {type: decimal}\ntasks:\n  - id: a\n    operator: empty\n"));

        Assert.Equal("params.x.type", e.Field);
        Assert.Equal(3, e.Line);
    }
}
