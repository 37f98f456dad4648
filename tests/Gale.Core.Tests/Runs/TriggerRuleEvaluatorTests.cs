using Gale.Dags;
using Gale.Runs;
using static Gale.Runs.TaskInstanceState;

namespace Gale.Core.Tests.Runs;

public sealed class TriggerRuleEvaluatorTests
{
    // Expected: "run", "wait", "skipped" or "upstream_failed". Upstreams: s=success, k=skipped, f=failed, u=upstream_failed, r=running.
    [Theory]
    [InlineData("all_success", "ss", "run")]
    [InlineData("all_success", "sr", "wait")]
    [InlineData("all_success", "fr", "upstream_failed")]
    [InlineData("all_success", "ur", "upstream_failed")]
    [InlineData("all_success", "kr", "skipped")]
    [InlineData("all_success", "fk", "upstream_failed")]
    [InlineData("all_success", "kk", "skipped")]
    [InlineData("all_failed", "ff", "run")]
    [InlineData("all_failed", "fu", "run")]
    [InlineData("all_failed", "fr", "wait")]
    [InlineData("all_failed", "fs", "skipped")]
    [InlineData("all_failed", "fk", "skipped")]
    [InlineData("all_done", "sfku", "run")]
    [InlineData("all_done", "sr", "wait")]
    [InlineData("all_done", "kk", "run")]
    [InlineData("one_success", "sr", "run")]
    [InlineData("one_success", "fr", "wait")]
    [InlineData("one_success", "fk", "upstream_failed")]
    [InlineData("one_success", "kk", "skipped")]
    [InlineData("one_success", "uu", "upstream_failed")]
    [InlineData("one_failed", "fr", "run")]
    [InlineData("one_failed", "ur", "run")]
    [InlineData("one_failed", "sr", "wait")]
    [InlineData("one_failed", "sk", "skipped")]
    [InlineData("one_done", "sr", "run")]
    [InlineData("one_done", "fr", "run")]
    [InlineData("one_done", "ur", "wait")]
    [InlineData("one_done", "uk", "skipped")]
    [InlineData("one_done", "kk", "skipped")]
    [InlineData("none_failed", "sk", "run")]
    [InlineData("none_failed", "kk", "run")]
    [InlineData("none_failed", "sr", "wait")]
    [InlineData("none_failed", "fr", "upstream_failed")]
    [InlineData("none_failed", "us", "upstream_failed")]
    [InlineData("none_failed_min_one_success", "sk", "run")]
    [InlineData("none_failed_min_one_success", "kk", "skipped")]
    [InlineData("none_failed_min_one_success", "kf", "upstream_failed")]
    [InlineData("none_failed_min_one_success", "kr", "wait")]
    [InlineData("none_failed_or_skipped", "kk", "skipped")]
    [InlineData("none_failed_or_skipped", "sk", "run")]
    [InlineData("none_skipped", "sf", "run")]
    [InlineData("none_skipped", "su", "run")]
    [InlineData("none_skipped", "sr", "wait")]
    [InlineData("none_skipped", "kr", "skipped")]
    [InlineData("all_skipped", "kk", "run")]
    [InlineData("all_skipped", "kr", "wait")]
    [InlineData("all_skipped", "ks", "skipped")]
    [InlineData("all_skipped", "kf", "skipped")]
    [InlineData("all_skipped", "ku", "skipped")]
    [InlineData("all_done_min_one_success", "sf", "run")]
    [InlineData("all_done_min_one_success", "su", "run")]
    [InlineData("all_done_min_one_success", "sr", "wait")]
    [InlineData("all_done_min_one_success", "ff", "upstream_failed")]
    [InlineData("all_done_min_one_success", "sk", "skipped")]
    [InlineData("always", "ff", "run")]
    [InlineData("always", "rr", "run")]
    public void Evaluate_RuleAgainstUpstreams_MatchesAirflow(string rule, string upstreams, string expected)
    {
        Assert.True(TriggerRules.TryParse(rule, out var parsed));
        var counts = UpstreamCounts.Of(upstreams.Select(c => (Parse(c), false)));

        var decision = TriggerRuleEvaluator.Evaluate(parsed, counts);

        Assert.Equal(expected, Describe(decision));
    }

    [Theory]
    [InlineData("ss", "run")]         // setup succeeded
    [InlineData("sf", "run")]         // setup succeeded, work failed: teardown still runs
    [InlineData("fs", "upstream_failed")] // setup failed
    [InlineData("ks", "skipped")]     // setup skipped
    [InlineData("sr", "wait")]        // waits for all upstream
    public void Evaluate_AllDoneSetupSuccess_TeardownSemantics(string upstreams, string expected)
    {
        // First upstream is the setup task, second a work task.
        var counts = UpstreamCounts.Of(upstreams.Select((c, i) => (Parse(c), i == 0)));

        Assert.Equal(expected, Describe(TriggerRuleEvaluator.Evaluate(TriggerRule.AllDoneSetupSuccess, counts)));
    }

    [Fact]
    public void Evaluate_NoUpstream_RunsWhateverTheRule()
    {
        foreach (var rule in Enum.GetValues<TriggerRule>())
        {
            Assert.Equal("run", Describe(TriggerRuleEvaluator.Evaluate(rule, new UpstreamCounts(0))));
        }
    }

    [Fact]
    public void Evaluate_RemovedUpstream_ForgivenOnlyForMappedInstances()
    {
        var counts = UpstreamCounts.Of([(Success, false), (Removed, false)]);

        Assert.Equal("wait", Describe(TriggerRuleEvaluator.Evaluate(TriggerRule.AllSuccess, counts)));
        Assert.Equal("run", Describe(TriggerRuleEvaluator.Evaluate(TriggerRule.AllSuccess, counts, isMappedInstance: true)));
    }

    [Fact]
    public void TryParse_EveryAirflowName_RoundTrips()
    {
        foreach (var rule in Enum.GetValues<TriggerRule>())
        {
            Assert.True(TriggerRules.TryParse(rule.ToAirflowName(), out var parsed));
            Assert.Equal(rule, parsed);
        }

        Assert.False(TriggerRules.TryParse("all_good", out _));
    }

    private static TaskInstanceState Parse(char c) => c switch
    {
        's' => Success,
        'k' => Skipped,
        'f' => Failed,
        'u' => UpstreamFailed,
        'r' => Running,
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    private static string Describe(TriggerDecision d) =>
        d.Flag is { } flag ? flag.ToAirflowName() : d.Met ? "run" : "wait";
}
