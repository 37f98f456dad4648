using Gale.Dags;
using Gale.Runs;
using static Gale.Runs.TaskInstanceState;

namespace Gale.Core.Tests.Runs;

/// <summary>
/// Every trigger rule against every pair of finished upstream states (success s, failed f, skipped k,
/// upstream_failed u), all-skipped triples, and pairs with one upstream still running (r). Expected outcomes follow
/// Airflow's TriggerRuleDep with flag_upstream_failed (see docs/engine.md): R = runs, W = waits, S = skipped,
/// U = upstream_failed.
/// </summary>
public sealed class TriggerRuleGridTests
{
    private static readonly string[] Upstreams = ["ss", "sf", "sk", "su", "ff", "fk", "fu", "kk", "ku", "uu", "kkk", "sr", "fr", "kr", "ur"];

    // One row per rule; one letter per entry of Upstreams, in order.
    private static readonly Dictionary<string, string> Expected = new()
    {
        //                               ss sf sk su ff fk fu kk ku uu kkk sr fr kr ur
        ["all_success"] =                "R  U  S  U  U  U  U  S  U  U  S   W  U  S  U",
        ["all_failed"] =                 "S  S  S  S  R  S  R  S  S  R  S   S  W  S  W",
        ["all_done"] =                   "R  R  R  R  R  R  R  R  R  R  R   W  W  W  W",
        ["all_done_setup_success"] =     "R  R  R  R  R  R  R  R  R  R  R   W  W  W  W",
        ["all_done_min_one_success"] =   "R  R  S  R  U  S  U  S  S  U  S   W  W  S  W",
        ["one_success"] =                "R  R  R  R  U  U  U  S  U  U  S   R  W  W  W",
        ["one_failed"] =                 "S  R  S  R  R  R  R  S  R  R  S   W  R  W  R",
        ["one_done"] =                   "R  R  R  R  R  R  R  S  S  S  S   R  R  W  W",
        ["none_failed"] =                "R  U  R  U  U  U  U  R  U  U  R   W  U  W  U",
        ["none_failed_min_one_success"] ="R  U  R  U  U  U  U  S  U  U  S   W  U  W  U",
        ["none_failed_or_skipped"] =     "R  U  R  U  U  U  U  S  U  U  S   W  U  W  U",
        ["none_skipped"] =               "R  R  S  R  R  S  R  S  S  R  S   W  W  S  W",
        ["all_skipped"] =                "S  S  S  S  S  S  S  R  S  S  R   S  S  W  S",
        ["always"] =                     "R  R  R  R  R  R  R  R  R  R  R   R  R  R  R",
    };

    public static TheoryData<string, string, char> Cases()
    {
        var data = new TheoryData<string, string, char>();
        foreach (var (rule, row) in Expected)
        {
            var outcomes = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(Upstreams.Length, outcomes.Length);
            for (var i = 0; i < Upstreams.Length; i++)
            {
                data.Add(rule, Upstreams[i], outcomes[i][0]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluate_EveryRuleAgainstEveryUpstreamMix(string rule, string upstreams, char expected)
    {
        Assert.True(TriggerRules.TryParse(rule, out var parsed));
        var counts = UpstreamCounts.Of(upstreams.Select(c => (c switch
        {
            's' => Success,
            'f' => Failed,
            'k' => Skipped,
            'u' => UpstreamFailed,
            _ => Running,
        }, false)));

        var decision = TriggerRuleEvaluator.Evaluate(parsed, counts);
        var actual = decision.Flag switch
        {
            Skipped => 'S',
            UpstreamFailed => 'U',
            _ => decision.Met ? 'R' : 'W',
        };

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Grid_CoversEveryRule() =>
        Assert.Equal(Enum.GetValues<TriggerRule>().Select(r => r.ToAirflowName()).Order(), Expected.Keys.Where(k => k != "none_failed_or_skipped").Order());
}
