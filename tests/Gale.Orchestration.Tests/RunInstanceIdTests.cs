using Gale.Orchestration.Runs;
using Gale.Runs;

namespace Gale.Orchestration.Tests;

public sealed class RunInstanceIdTests
{
    [Theory]
    [InlineData("etl", "manual__2026-12-01T00:00:00+00:00")]
    [InlineData("team/etl", "scheduled__a?b#c\\d%e@f")]
    [InlineData("dag@x", "run\u0001")]
    public void For_AnyRun_ParsesBackAndHoldsNoCharacterTheBackendRefuses(string dagId, string runId)
    {
        var id = RunInstanceId.For(new RunKey(dagId, runId));

        Assert.Equal(new RunKey(dagId, runId), RunInstanceId.Parse(id));
        Assert.DoesNotContain(id, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
        Assert.StartsWith(RunInstanceId.PrefixFor(dagId), id, StringComparison.Ordinal);
    }

    [Fact]
    public void For_SameRun_SameId_OtherRun_OtherId()
    {
        Assert.Equal(RunInstanceId.For(new RunKey("a", "r1")), RunInstanceId.For(new RunKey("a", "r1")));
        Assert.NotEqual(RunInstanceId.For(new RunKey("a", "r1")), RunInstanceId.For(new RunKey("a", "r2")));
        Assert.NotEqual(RunInstanceId.For(new RunKey("a@b", "c")), RunInstanceId.For(new RunKey("a", "b@c")));
    }

    [Fact]
    public void Parse_NotARunId_Null() => Assert.Null(RunInstanceId.Parse("some-other-instance"));
}
