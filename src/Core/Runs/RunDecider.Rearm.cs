using Gale.Dags;
using Gale.Runs.Commands;

namespace Gale.Runs;

public static partial class RunDecider
{
    /// <summary>
    /// What a run that stands as <paramref name="snapshot"/> waits on, as commands: its dagrun_timeout, the retries
    /// and trigger checks and timeouts its instances wait for, and a start for every queued instance. A host that
    /// carries a run into a fresh history (or recovers it) issues these again, because the timers and queued starts of
    /// the old one are gone. Nothing for a finished run.
    /// </summary>
    /// <param name="dag">The run's DAG.</param>
    /// <param name="snapshot">The run as it stands.</param>
    public static IReadOnlyList<RunCommand> Rearm(Dag dag, RunSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(snapshot);
        var run = snapshot.Run;
        if (run.State.IsFinished())
        {
            return [];
        }

        var commands = new List<RunCommand>();
        if (run.State == DagRunState.Running && dag.Settings.DagrunTimeout is { } timeout && run.StartDate is { } started)
        {
            commands.Add(new ScheduleRunTimeout(run.Key, started + timeout));
        }

        foreach (var ti in snapshot.Tasks.Values)
        {
            switch (ti)
            {
                case { State: TaskInstanceState.Queued }:
                    commands.Add(new EnqueueAttempt(run.Key, ti.Key, ti.TryNumber));
                    break;
                case { State: TaskInstanceState.UpForRetry, NextRetryAt: { } due }:
                    commands.Add(new ScheduleRetry(run.Key, ti.Key, ti.TryNumber, due));
                    break;
                case { State: TaskInstanceState.Deferred or TaskInstanceState.UpForReschedule, Deferral: { Event: null } deferral }:
                    if (deferral.NextCheckAt is { } check)
                    {
                        commands.Add(new ScheduleTriggerCheck(run.Key, ti.Key, ti.TryNumber, deferral.Checks, check));
                    }

                    if (deferral.TimeoutAt is { } deadline)
                    {
                        commands.Add(new ScheduleTriggerTimeout(run.Key, ti.Key, ti.TryNumber, deadline));
                    }

                    break;
            }
        }

        return commands;
    }
}
