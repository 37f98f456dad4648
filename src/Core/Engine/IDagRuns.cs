using Gale.Dags;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Engine;

/// <summary>
/// Port: creating, changing and reading DAG runs — what the API, CLI, scheduler, backfills, asset-triggered runs and
/// <c>trigger_dagrun</c> go through, whichever runtime runs the tasks.
/// </summary>
public interface IDagRuns : IRunReader
{
    /// <summary>The clock runs are created and changed by.</summary>
    TimeProvider Clock { get; }

    /// <summary>Creates the run if it does not exist yet (idempotent: the run id is the key) and starts it unless <paramref name="start"/> is false (then it stays queued until a <see cref="RunStarted"/> is applied).</summary>
    /// <returns>The run's snapshot and whether this call created it.</returns>
    Task<(RunSnapshot Snapshot, bool Created)> CreateRunAsync(Dag dag, DagRun run, bool start = true, CancellationToken cancellationToken = default);

    /// <summary>Applies events to a run (a clear, a mark, a state, an external event, a start).</summary>
    /// <returns>The run after the events.</returns>
    /// <exception cref="RunNotFoundException">The run does not exist.</exception>
    Task<RunSnapshot> ApplyAsync(RunKey run, IReadOnlyList<RunEvent> events, CancellationToken cancellationToken = default);
}
