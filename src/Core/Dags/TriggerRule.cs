using System.Collections.Frozen;

namespace Gale.Dags;

/// <summary>When a task may run, given its direct upstream tasks' states (Airflow's trigger rules).</summary>
public enum TriggerRule
{
    /// <summary>All upstream tasks succeeded (the default).</summary>
    AllSuccess,

    /// <summary>All upstream tasks failed or are upstream_failed.</summary>
    AllFailed,

    /// <summary>All upstream tasks finished, whatever their state.</summary>
    AllDone,

    /// <summary>All upstream tasks finished and at least one upstream setup succeeded (teardowns' default).</summary>
    AllDoneSetupSuccess,

    /// <summary>All upstream tasks finished and at least one succeeded.</summary>
    AllDoneMinOneSuccess,

    /// <summary>At least one upstream task succeeded (does not wait for the rest).</summary>
    OneSuccess,

    /// <summary>At least one upstream task failed (does not wait for the rest).</summary>
    OneFailed,

    /// <summary>At least one upstream task succeeded or failed.</summary>
    OneDone,

    /// <summary>No upstream task failed or is upstream_failed: all succeeded or were skipped.</summary>
    NoneFailed,

    /// <summary>No upstream task failed or is upstream_failed, and at least one succeeded.</summary>
    NoneFailedMinOneSuccess,

    /// <summary>No upstream task was skipped.</summary>
    NoneSkipped,

    /// <summary>All upstream tasks were skipped.</summary>
    AllSkipped,

    /// <summary>No dependency at all.</summary>
    Always,
}

/// <summary>Airflow's names for trigger rules.</summary>
public static class TriggerRules
{
    private static readonly FrozenDictionary<TriggerRule, string> Names = new Dictionary<TriggerRule, string>
    {
        [TriggerRule.AllSuccess] = "all_success",
        [TriggerRule.AllFailed] = "all_failed",
        [TriggerRule.AllDone] = "all_done",
        [TriggerRule.AllDoneSetupSuccess] = "all_done_setup_success",
        [TriggerRule.AllDoneMinOneSuccess] = "all_done_min_one_success",
        [TriggerRule.OneSuccess] = "one_success",
        [TriggerRule.OneFailed] = "one_failed",
        [TriggerRule.OneDone] = "one_done",
        [TriggerRule.NoneFailed] = "none_failed",
        [TriggerRule.NoneFailedMinOneSuccess] = "none_failed_min_one_success",
        [TriggerRule.NoneSkipped] = "none_skipped",
        [TriggerRule.AllSkipped] = "all_skipped",
        [TriggerRule.Always] = "always",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, TriggerRule> ByName = Names
        .Select(p => KeyValuePair.Create(p.Value, p.Key))
        .Append(KeyValuePair.Create("none_failed_or_skipped", TriggerRule.NoneFailedMinOneSuccess))
        .ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Airflow's name, e.g. <c>none_failed_min_one_success</c>.</summary>
    public static string ToAirflowName(this TriggerRule rule) => Names[rule];

    /// <summary>Parses an Airflow trigger rule name; <c>none_failed_or_skipped</c> is accepted as an alias.</summary>
    public static bool TryParse(string name, out TriggerRule rule) => ByName.TryGetValue(name, out rule);

    /// <summary>Every accepted name, for error messages.</summary>
    public static IEnumerable<string> AllNames => ByName.Keys.Order(StringComparer.Ordinal);
}
