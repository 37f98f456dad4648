using Gale.Engine;
using Gale.Runs;

namespace Gale.Orchestration.Activities;

/// <summary>
/// Watches a running try's task instance through the run's published state and says when a person changed it: its
/// state is no longer running or its try number moved on.
/// </summary>
/// <param name="runs">Reads runs (the task hub's instances).</param>
/// <param name="clock">The clock.</param>
/// <param name="interval">How often to look (default <see cref="DefaultInterval"/>).</param>
public sealed class TryWatch(IRunReader runs, TimeProvider clock, TimeSpan? interval = null)
{
    /// <summary>Airflow's job heartbeat: 5 seconds.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    /// <summary>How often the instance is read.</summary>
    public TimeSpan Interval { get; } = interval ?? DefaultInterval;

    /// <summary>
    /// Reads the instance every <see cref="Interval"/> until <paramref name="done"/>; cancels <paramref name="changed"/>
    /// when it was set from outside.
    /// </summary>
    /// <remarks>
    /// A change counts once the published state has shown this try running, or when it shows this try finished or a
    /// later try. A try not yet shown running is not stopped for showing queued: the state can lag behind the try (a
    /// host that dies after sending an episode's tries but before recording the episode leaves them running on another
    /// host while the published state still shows them queued, until the episode is replayed).
    /// </remarks>
    /// <returns>The state it was set to (null when the try ended first or the instance is no longer listed).</returns>
    public async Task<TaskInstanceState?> WatchAsync(RunKey run, TaskInstance ti, CancellationTokenSource changed, CancellationToken done)
    {
        ArgumentNullException.ThrowIfNull(ti);
        ArgumentNullException.ThrowIfNull(changed);
        var seenRunning = false;
        while (!done.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, clock, done);
                // An instance missing from the run (a large run lists only some) or a read that fails says nothing.
                if ((await runs.LoadAsync(run, done))?.Find(ti.Key) is not { } now)
                {
                    continue;
                }

                if (now.State == TaskInstanceState.Running && now.TryNumber == ti.TryNumber)
                {
                    seenRunning = true;
                }
                else if (seenRunning || now.TryNumber > ti.TryNumber || (now.TryNumber == ti.TryNumber && now.State.IsFinished()))
                {
                    await changed.CancelAsync();
                    return now.TryNumber == ti.TryNumber ? now.State : null;
                }
            }
            catch (OperationCanceledException) when (done.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Storage unreachable for a moment: look again next time.
            }
        }

        return null;
    }
}
