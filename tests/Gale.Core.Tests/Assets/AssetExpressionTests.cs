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
    public void Plan_AndNotYetSatisfied_NoRunAndCursorsUnchanged()
    {
        var plan = AssetTriggerPlanner.Plan(AssetExpression.Parse("a & b"), new Dictionary<string, AssetCursor>(), [E("a", 1), E("a", 2)], T0);

        Assert.False(plan.CreateRun);
        Assert.Empty(plan.Consumed);
        Assert.Empty(plan.Cursors);
    }

    [Fact]
    public void Plan_Satisfied_TakesEveryNewEventAndTheNextTickNeedsNewOnes()
    {
        var expression = AssetExpression.Parse("a & (b | c)");
        var events = new[] { E("a", 1), E("c", 2), E("a", 3), E("x", 4) };

        var first = AssetTriggerPlanner.Plan(expression, new Dictionary<string, AssetCursor>(), events, T0);
        var again = AssetTriggerPlanner.Plan(expression, first.Cursors, events, T0);
        var later = AssetTriggerPlanner.Plan(expression, first.Cursors, [.. events, E("a", 5), E("b", 6)], T0);

        Assert.True(first.CreateRun);
        Assert.Equal(["a@1", "c@2", "a@3"], first.Consumed.Select(e => e.Id));
        Assert.False(again.CreateRun);
        Assert.True(later.CreateRun);
        Assert.Equal(["a@5", "b@6"], later.Consumed.Select(e => e.Id));
    }

    [Fact]
    public void Plan_EventsAtTheSameInstant_OnlyTheUnconsumedCountAsNew()
    {
        var expression = AssetExpression.Parse("a");
        var first = AssetTriggerPlanner.Plan(expression, new Dictionary<string, AssetCursor>(), [E("a", 1, "x")], T0);

        var second = AssetTriggerPlanner.Plan(expression, first.Cursors, [E("a", 1, "x"), E("a", 1, "y")], T0);

        Assert.Equal(["y"], second.Consumed.Select(e => e.Id));
        Assert.Equal(["x", "y"], second.Cursors["a"].IdsAt);
    }

    [Fact]
    public void Plan_CapPerRun_OldestFirstWithEveryAssetRepresentedAndTheRestNextTime()
    {
        var expression = AssetExpression.Parse("a & b");
        var events = Enumerable.Range(1, 10).Select(m => E("a", m)).Append(E("b", 20)).ToList();

        var first = AssetTriggerPlanner.Plan(expression, new Dictionary<string, AssetCursor>(), events, T0, maxEventsPerRun: 4);
        var rest = AssetTriggerPlanner.Plan(AssetExpression.Parse("a"), first.Cursors, events, T0, maxEventsPerRun: 100);

        Assert.True(first.CreateRun);
        Assert.Equal(["a@1", "a@2", "a@3", "b@20"], first.Consumed.Select(e => e.Id));
        Assert.Equal(Enumerable.Range(4, 7).Select(m => $"a@{m}"), rest.Consumed.Select(e => e.Id));
    }

    [Fact]
    public void Plan_EventsBeforeTheDagExisted_NeverTrigger()
    {
        var plan = AssetTriggerPlanner.Plan(AssetExpression.Parse("a"), new Dictionary<string, AssetCursor>(), [E("a", -5)], T0);

        Assert.False(plan.CreateRun);
    }

    [Fact]
    public void Plan_DuplicateDeliveriesOfOneEvent_CountOnce()
    {
        var plan = AssetTriggerPlanner.Plan(AssetExpression.Parse("a"), new Dictionary<string, AssetCursor>(), [E("a", 1, "same"), E("a", 1, "same")], T0);

        Assert.Single(plan.Consumed);
    }
}
