using Gale.Assets;

namespace Gale.Core.Tests.Assets;

public sealed class AssetExpressionTests
{
    [Theory]
    [InlineData("a", "", false)]
    [InlineData("a", "a", true)]
    [InlineData("a & b", "a", false)]
    [InlineData("a & b", "a,b", true)]
    [InlineData("a | b", "b", true)]
    [InlineData("a | b", "c", false)]
    [InlineData("a & (b | c)", "a", false)]
    [InlineData("a & (b | c)", "a,c", true)]
    [InlineData("a & (b | c)", "b,c", false)]
    [InlineData("a & b | c", "c", true)]
    [InlineData("a & b | c", "a", false)]
    [InlineData("a & (b | (c & d))", "a,c", false)]
    [InlineData("a & (b | (c & d))", "a,c,d", true)]
    [InlineData("(a | b) & (c | d)", "b,d", true)]
    [InlineData("(a | b) & (c | d)", "a,b", false)]
    [InlineData("wasb://landing/x & s3://b/y", "wasb://landing/x,s3://b/y", true)]
    public void IsSatisfiedBy_Table(string expression, string updated, bool expected)
    {
        var set = updated.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(expected, AssetExpression.Parse(expression).IsSatisfiedBy(set));
    }

    [Theory]
    [InlineData("", "expected an asset, found the end at position 1")]
    [InlineData("a &", "expected an asset, found the end")]
    [InlineData("(a | b", "expected ')'")]
    [InlineData("a b", "unexpected 'b'")]
    [InlineData("a & | b", "expected an asset, found '|'")]
    [InlineData("a & nope", "unknown asset 'nope'")]
    public void Parse_BadInput_SaysWhatAndWhere(string expression, string expected)
    {
        var known = new Dictionary<string, string> { ["a"] = "uri://a", ["b"] = "uri://b" };

        var e = Assert.Throws<FormatException>(() => AssetExpression.Parse(expression, s => known.GetValueOrDefault(s)));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NamesResolveToUris_AndBindsTighterThanOr()
    {
        var known = new Dictionary<string, string> { ["sales"] = "wasb://landing/sales/", ["stock"] = "wasb://landing/stock/", ["fx"] = "https://fx/rates" };

        var e = AssetExpression.Parse("sales & stock | fx", s => known.GetValueOrDefault(s));

        Assert.Equal("((wasb://landing/sales/ & wasb://landing/stock/) | https://fx/rates)", e.ToString());
        Assert.Equal(["wasb://landing/sales/", "wasb://landing/stock/", "https://fx/rates"], e.Uris);
    }
}

public sealed class AssetTriggerPlannerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static AssetEvent E(string uri, int minute, string? id = null) => new(id ?? $"{uri}@{minute}", uri, AssetEventSource.Watcher, T0.AddMinutes(minute));

    [Fact]
    public void Plan_AndNotYetSatisfied_NoRun()
    {
        var plan = AssetTriggerPlanner.Plan(AssetExpression.Parse("a & b"), [E("a", 1), E("a", 2)]);

        Assert.False(plan.CreateRun);
        Assert.Empty(plan.Consumed);
    }

    [Fact]
    public void Plan_Satisfied_TakesEveryQueuedEventOfTheExpressionsAssets()
    {
        var plan = AssetTriggerPlanner.Plan(AssetExpression.Parse("a & (b | c)"), [E("a", 3), E("c", 2), E("a", 1), E("x", 4)]);

        Assert.True(plan.CreateRun);
        Assert.Equal(["a@1", "c@2", "a@3"], plan.Consumed.Select(e => e.Id));
    }

    [Fact]
    public void Plan_CapPerRun_OldestFirstWithEveryAssetRepresented()
    {
        var events = Enumerable.Range(1, 10).Select(m => E("a", m)).Append(E("b", 20)).ToList();

        var first = AssetTriggerPlanner.Plan(AssetExpression.Parse("a & b"), events, maxEventsPerRun: 4);
        var rest = AssetTriggerPlanner.Plan(AssetExpression.Parse("a"), events.Except(first.Consumed), maxEventsPerRun: 100);

        Assert.True(first.CreateRun);
        Assert.Equal(["a@1", "a@2", "a@3", "b@20"], first.Consumed.Select(e => e.Id));
        Assert.Equal(Enumerable.Range(4, 7).Select(m => $"a@{m}"), rest.Consumed.Select(e => e.Id));
    }

    [Fact]
    public void Plan_CapSmallerThanTheUpdatedAssets_StillOneOfEach()
    {
        var plan = AssetTriggerPlanner.Plan(AssetExpression.Parse("a & b & c"), [E("a", 1), E("a", 2), E("b", 3), E("c", 4)], maxEventsPerRun: 2);

        Assert.True(plan.CreateRun);
        Assert.Equal(["a@1", "b@3", "c@4"], plan.Consumed.Select(e => e.Id));
    }

    [Fact]
    public void Plan_DuplicateDeliveriesOfOneEvent_CountOnce()
    {
        var plan = AssetTriggerPlanner.Plan(AssetExpression.Parse("a"), [E("a", 1, "same"), E("a", 1, "same")]);

        Assert.Single(plan.Consumed);
    }
}
