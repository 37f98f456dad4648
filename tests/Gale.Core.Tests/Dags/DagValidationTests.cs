using Gale.Dags;

namespace Gale.Core.Tests.Dags;

public sealed class DagValidationTests
{
    [Fact]
    public void Build_Cycle_NamesTheCycle()
    {
        var e = Assert.Throws<DagValidationException>(() => Dag.Create("loop")
            .Task("a", _ => { }, after: "c")
            .Task("b", _ => { }, after: "a")
            .Task("c", _ => { }, after: "b")
            .Task("d", _ => { })
            .Build());

        Assert.Contains("DAG 'loop': cycle detected: a -> b -> c -> a", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnknownUpstream_NamesTaskAndUpstream()
    {
        var e = Assert.Throws<DagValidationException>(() => Dag.Create("d").Task("load", _ => { }, after: "extrct").Build());

        Assert.Contains("task 'load' has upstream 'extrct', which is not a task of this DAG", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DuplicateTaskId_Rejected()
    {
        var e = Assert.Throws<DagValidationException>(() => Dag.Create("d").Task("a", _ => { }).Task("a", _ => { }).Build());

        Assert.Contains("task_id 'a' is defined more than once", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SelfDependency_Rejected() =>
        Assert.Throws<DagValidationException>(() => Dag.Create("d").Task("a", _ => { }, after: "a").Build());

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/no")]
    public void Build_BadTaskId_Rejected(string id) =>
        Assert.Throws<DagValidationException>(() => Dag.Create("d").Task(id, _ => { }).Build());

    [Fact]
    public void TopologicalOrder_RespectsEdgesAndDefinitionOrder()
    {
        var dag = Dag.Create("d")
            .Task("report", _ => { }, after: ["left", "right"])
            .Task("start", _ => { })
            .Task("right", _ => { }, after: "start")
            .Task("left", _ => { }, after: "start")
            .Build();

        Assert.Equal(["start", "right", "left", "report"], dag.TopologicalOrder.Select(t => t.TaskId));
        Assert.Equal(["right", "left"], dag.Downstream("start"));
    }

    [Fact]
    public void DefaultArgs_AppliedUnlessOverridden()
    {
        var dag = Dag.Create("d")
            .DefaultArgs(new TaskOptions { Retries = 3, RetryDelay = TimeSpan.FromSeconds(10) })
            .Task("a", _ => { })
            .Task("b", _ => { }, options: new TaskOptions { Retries = 0 })
            .Build();

        Assert.Equal(3, dag.GetTask("a").Retries);
        Assert.Equal(TimeSpan.FromSeconds(10), dag.GetTask("a").RetryDelay);
        Assert.Equal(0, dag.GetTask("b").Retries);
    }
}
