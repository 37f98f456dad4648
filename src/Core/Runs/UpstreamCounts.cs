namespace Gale.Runs;

/// <summary>
/// How a task's direct upstream task instances stand, counted the way Airflow's trigger-rule dependency counts them:
/// only finished instances are counted by state; <see cref="Upstream"/> counts all of them.
/// </summary>
public readonly record struct UpstreamCounts(
    int Upstream,
    int Success = 0,
    int Skipped = 0,
    int Failed = 0,
    int UpstreamFailed = 0,
    int Removed = 0,
    int UpstreamSetup = 0,
    int SuccessSetup = 0,
    int SkippedSetup = 0)
{
    /// <summary>Finished upstream instances (removed counts as done).</summary>
    public int Done => Success + Skipped + Failed + UpstreamFailed + Removed;

    /// <summary>True when every upstream instance is finished.</summary>
    public bool UpstreamDone => Done >= Upstream;

    /// <summary>Counts the given upstream instances, each with its state and whether its task is a setup.</summary>
    public static UpstreamCounts Of(IEnumerable<(TaskInstanceState State, bool IsSetup)> upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        int total = 0, success = 0, skipped = 0, failed = 0, upstreamFailed = 0, removed = 0, setups = 0, successSetup = 0, skippedSetup = 0;
        foreach (var (state, isSetup) in upstream)
        {
            total++;
            setups += isSetup ? 1 : 0;
            switch (state)
            {
                case TaskInstanceState.Success:
                    success++;
                    successSetup += isSetup ? 1 : 0;
                    break;
                case TaskInstanceState.Skipped:
                    skipped++;
                    skippedSetup += isSetup ? 1 : 0;
                    break;
                case TaskInstanceState.Failed:
                    failed++;
                    break;
                case TaskInstanceState.UpstreamFailed:
                    upstreamFailed++;
                    break;
                case TaskInstanceState.Removed:
                    removed++;
                    break;
            }
        }

        return new UpstreamCounts(total, success, skipped, failed, upstreamFailed, removed, setups, successSetup, skippedSetup);
    }
}
