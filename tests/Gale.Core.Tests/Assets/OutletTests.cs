using Gale.Assets;
using Gale.Dags;
using Gale.Engine;
using Gale.Orchestration.InProcess;
using Gale.Runs;

namespace Gale.Core.Tests.Assets;

public sealed class OutletTests
{
    private static readonly Asset Sales = new("wasb://warehouse/sales/", "sales");

    [Fact]
    public async Task Outlets_TaskSucceeds_OneEventWithExtra_FailedTaskNone()
    {
        var dag = Dag.Create("producer")
            .Task("load", ctx => { ctx.OutletExtras[Sales.Uri] = new { rows = 42 }; }, options: new TaskOptions { Outlets = [Sales] })
            .Task("broken", _ => throw new InvalidOperationException("no"), options: new TaskOptions { Outlets = [new Asset("wasb://warehouse/other/")] })
            .Build();
        var services = new TaskServices();

        await DagTestRunner.RunAsync(dag, new DagRun { DagId = "producer", RunId = "manual__p", QueuedAt = DateTimeOffset.UtcNow }, new DagTestOptions { Services = services });

        var e = Assert.Single(await services.AssetEvents.ListAsync(Sales.Uri, DateTimeOffset.MinValue));
        Assert.Equal((AssetEventSource.Task, "producer", "manual__p", "load"), (e.Source, e.SourceDagId, e.SourceRunId, e.SourceTaskId));
        Assert.Equal("""{"rows":42}""", e.Extra);
        Assert.Empty(await services.AssetEvents.ListAsync("wasb://warehouse/other/", DateTimeOffset.MinValue));
    }

    [Fact]
    public void Yaml_OutletsAndInlets_ReadAsUrisOrMappings()
    {
        var dag = Gale.Yaml.YamlDagLoader.Load("assets.yaml", """
            dag_id: yaml_assets
            tasks:
              - id: load
                operator: empty
                inlets: [wasb://landing/raw/]
                outlets:
                  - wasb://warehouse/sales/
                  - {uri: "wasb://warehouse/stock/", name: stock, group: warehouse}
            """);

        var load = dag.GetTask("load");
        Assert.Equal(["wasb://warehouse/sales/", "wasb://warehouse/stock/"], load.Outlets.Select(a => a.Uri));
        Assert.Equal(("stock", "warehouse"), (load.Outlets[1].Name, load.Outlets[1].Group));
        Assert.Equal("wasb://landing/raw/", Assert.Single(load.Inlets).Uri);
    }

    [Theory]
    [InlineData("outlets: wasb://x/", "must be a list")]
    [InlineData("outlets: [\"has space\"]", "is not an asset URI")]
    [InlineData("outlets: [{name: n}]", "uri")]
    [InlineData("outlets: [{uri: u, colour: red}]", "colour")]
    public void Yaml_BadOutlets_NameTheFieldAndFile(string field, string expected)
    {
        var e = Assert.Throws<Gale.Yaml.YamlDagException>(() => Gale.Yaml.YamlDagLoader.Load("bad_assets.yaml", $"dag_id: x\ntasks:\n  - id: t\n    operator: empty\n    {field}\n"));

        Assert.Contains("bad_assets.yaml", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
