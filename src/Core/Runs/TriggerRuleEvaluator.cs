using Gale.Dags;

namespace Gale.Runs;

/// <summary>What a trigger rule says about a waiting task: a state to flag it with (or none), and whether it may run.</summary>
/// <param name="Flag">Upstream_failed or skipped when the rule can no longer be met; null otherwise.</param>
/// <param name="Met">True when the task may be scheduled now.</param>
public readonly record struct TriggerDecision(TaskInstanceState? Flag, bool Met)
{
    /// <summary>Keep waiting.</summary>
    public static TriggerDecision Wait => new(null, false);

    /// <summary>Run now.</summary>
    public static TriggerDecision Run => new(null, true);
}

/// <summary>
/// Airflow's trigger-rule dependency as a pure function of upstream counts, with the scheduler's
/// <c>flag_upstream_failed</c> behaviour: first decide whether the task can never run (flag), then whether it can run now (met).
/// </summary>
public static class TriggerRuleEvaluator
{
    /// <summary>Evaluates <paramref name="rule"/> for a task whose direct upstream instances are counted by <paramref name="c"/>.</summary>
    /// <param name="rule">The task's trigger rule.</param>
    /// <param name="c">Its upstream counts.</param>
    /// <param name="isMappedInstance">True for an expanded mapped instance (map_index ≥ 0): removed upstreams are forgiven.</param>
    public static TriggerDecision Evaluate(TriggerRule rule, UpstreamCounts c, bool isMappedInstance = false)
    {
        if (c.Upstream == 0 || rule == TriggerRule.Always)
        {
            return TriggerDecision.Run;
        }

        var forgiven = isMappedInstance ? c.Removed : 0;
        var failures = c.Failed + c.UpstreamFailed;
        TaskInstanceState? flag = rule switch
        {
            TriggerRule.AllSuccess when failures > 0 => TaskInstanceState.UpstreamFailed,
            TriggerRule.AllSuccess when c.Skipped > 0 => TaskInstanceState.Skipped,
            TriggerRule.AllFailed when c.Success + c.Skipped > 0 => TaskInstanceState.Skipped,
            TriggerRule.OneSuccess when c.UpstreamDone && c.Done == c.Skipped => TaskInstanceState.Skipped,
            TriggerRule.OneSuccess when c.UpstreamDone && c.Success == 0 => TaskInstanceState.UpstreamFailed,
            TriggerRule.OneFailed when c.UpstreamDone && failures == 0 => TaskInstanceState.Skipped,
            TriggerRule.OneDone when c.UpstreamDone && c.Failed == 0 && c.Success == 0 => TaskInstanceState.Skipped,
            TriggerRule.NoneFailed when failures > 0 => TaskInstanceState.UpstreamFailed,
            TriggerRule.NoneFailedMinOneSuccess when failures > 0 => TaskInstanceState.UpstreamFailed,
            TriggerRule.NoneFailedMinOneSuccess when c.Skipped == c.Upstream => TaskInstanceState.Skipped,
            TriggerRule.NoneSkipped when c.Skipped > 0 => TaskInstanceState.Skipped,
            TriggerRule.AllSkipped when c.Success + failures > 0 => TaskInstanceState.Skipped,
            TriggerRule.AllDoneSetupSuccess when c.UpstreamDone && c.UpstreamSetup > 0 && c.SkippedSetup >= c.UpstreamSetup => TaskInstanceState.Skipped,
            TriggerRule.AllDoneSetupSuccess when c.UpstreamDone && c.UpstreamSetup > 0 && c.SuccessSetup == 0 => TaskInstanceState.UpstreamFailed,
            TriggerRule.AllDoneMinOneSuccess when c.Skipped > 0 => TaskInstanceState.Skipped,
            TriggerRule.AllDoneMinOneSuccess when c.Done - c.Skipped >= c.Upstream - c.Skipped && c.Success == 0 => TaskInstanceState.UpstreamFailed,
            _ => null,
        };
        if (flag is not null)
        {
            return new TriggerDecision(flag, false);
        }

        var met = rule switch
        {
            TriggerRule.AllSuccess => c.Upstream - c.Success - forgiven <= 0,
            TriggerRule.AllFailed => c.Upstream - failures - forgiven <= 0,
            TriggerRule.AllDone => c.UpstreamDone,
            TriggerRule.OneSuccess => c.Success > 0,
            TriggerRule.OneFailed => failures > 0,
            TriggerRule.OneDone => c.Success + c.Failed > 0,
            TriggerRule.NoneFailed or TriggerRule.NoneFailedMinOneSuccess => c.Upstream - c.Success - c.Skipped - forgiven <= 0,
            TriggerRule.NoneSkipped => c.UpstreamDone && c.Skipped == 0,
            TriggerRule.AllSkipped => c.Upstream - c.Skipped <= 0,
            TriggerRule.AllDoneSetupSuccess => c.UpstreamDone && (c.UpstreamSetup == 0 || c.SuccessSetup > 0),
            TriggerRule.AllDoneMinOneSuccess => c.Skipped == 0 && c.Done - forgiven >= c.Upstream - forgiven && c.Success > 0,
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown trigger rule."),
        };
        return new TriggerDecision(null, met);
    }
}
