using Gale.Runs;

namespace Gale.Engine;

/// <summary>Port: reading runs, their task instances and their history (what the API, CLI, UI and scheduler read).</summary>
public interface IRunReader
{
    /// <summary>Loads a run's snapshot, or null when the run does not exist.</summary>
    Task<RunSnapshot?> LoadAsync(RunKey key, CancellationToken cancellationToken = default);

    /// <summary>The run's history: every recorded task state change, oldest first.</summary>
    Task<IReadOnlyList<TaskTransition>> ReadHistoryAsync(RunKey key, CancellationToken cancellationToken = default);

    /// <summary>Lists runs, optionally of one DAG and/or in one state.</summary>
    IAsyncEnumerable<DagRun> ListRunsAsync(string? dagId = null, DagRunState? state = null, CancellationToken cancellationToken = default);
}

/// <summary>An event names a run that does not exist.</summary>
public sealed class RunNotFoundException(RunKey run) : Exception($"Run {run} does not exist.")
{
    /// <summary>The run.</summary>
    public RunKey Run { get; } = run;
}
