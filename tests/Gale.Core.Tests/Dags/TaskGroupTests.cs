using Gale.Dags;

namespace Gale.Core.Tests.Dags;

public sealed class TaskGroupTests
{
    [Fact]
    public void Group_PrefixesIdsResolvesRelativeNamesAndWiresGroupEdges()
    {
        var dag = Dag.Create("grouped")
            .Task("start", _ => { })
            .Group("extract", g => g
                .Task("users", _ => { })
                .Task("orders", _ => { })
                .Task("merge", _ => { }, after: ["users", "orders"]),
                after: "start",
                defaultArgs: new TaskOptions { Retries = 3 })
            .Task("report", _ => { }, after: "extract")
            .Build();

        Assert.Equal(["start", "extract.users", "extract.orders", "extract.merge", "report"], dag.TopologicalOrder.Select(t => t.TaskId));
        Assert.Equal(["start"], dag.GetTask("extract.users").Upstream);
        Assert.Equal(["start"], dag.GetTask("extract.orders").Upstream);
        Assert.Equal(["extract.users", "extract.orders"], dag.GetTask("extract.merge").Upstream);
        Assert.Equal(["extract.merge"], dag.GetTask("report").Upstream);
        Assert.Equal(3, dag.GetTask("extract.merge").Retries);
        Assert.Equal(0, dag.GetTask("report").Retries);
    }

    [Fact]
    public void Group_Nested_PrefixesWithBothNamesAndReachesOuterTasks()
    {
        var dag = Dag.Create("nested")
            .Task("start", _ => { })
            .Group("outer", o => o
                .Task("prepare", _ => { }, after: "start")
                .Group("inner", i => i.Task("work", _ => { }, after: "prepare")))
            .Build();

        Assert.Equal(["outer.prepare"], dag.GetTask("outer.inner.work").Upstream);
        Assert.Equal(["start"], dag.GetTask("outer.prepare").Upstream);
    }

    [Fact]
    public void Chain_AndCrossDownstream_AddEdges()
    {
        var dag = Dag.Create("helpers")
            .Task("a", _ => { }).Task("b", _ => { }).Task("c", _ => { })
            .Task("x", _ => { }).Task("y", _ => { })
            .Chain("a", "b", "c")
            .CrossDownstream(["a", "b"], ["x", "y"])
            .Build();

        Assert.Equal(["a"], dag.GetTask("b").Upstream);
        Assert.Equal(["b"], dag.GetTask("c").Upstream);
        Assert.Equal(["a", "b"], dag.GetTask("x").Upstream);
        Assert.Equal(["a", "b"], dag.GetTask("y").Upstream);
    }

    [Fact]
    public void Chain_ThroughAGroup_WaitsForItsLastTasks()
    {
        var dag = Dag.Create("chain_group")
            .Task("first", _ => { })
            .Group("g", g => g.Task("one", _ => { }).Task("two", _ => { }, after: "one"))
            .Task("last", _ => { })
            .Chain("first", "g", "last")
            .Build();

        Assert.Equal(["first"], dag.GetTask("g.one").Upstream);
        Assert.Equal(["g.two"], dag.GetTask("last").Upstream);
    }

    [Fact]
    public void Group_UnknownReference_NamesTaskAndReference()
    {
        var e = Assert.Throws<DagValidationException>(() => Dag.Create("bad")
            .Group("g", g => g.Task("a", _ => { }, after: "nowhere"))
            .Build());

        Assert.Contains("task 'g.a' has upstream 'nowhere'", e.Message, StringComparison.Ordinal);
    }
}
