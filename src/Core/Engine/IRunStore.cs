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

/// <summary>
/// Port: where the queue engine keeps run snapshots. Writes are optimistic: <see cref="SaveAsync"/> succeeds only if
/// the stored version still equals the version the snapshot was loaded with; otherwise it throws
/// <see cref="RunConflictException"/>.
/// </summary>
public interface IRunStore : IRunReader
{
    /// <summary>Stores a new run if no run with its key exists.</summary>
    /// <returns>The stored snapshot (with its version), or null when the run already existed.</returns>
    Task<RunSnapshot?> CreateAsync(RunSnapshot snapshot, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores <paramref name="next"/> if the stored version is still <paramref name="previous"/>'s
    /// <see cref="RunSnapshot.Version"/>, and appends <paramref name="transitions"/> to the run's history in the same
    /// atomic write. Task instances <paramref name="next"/> shares (by reference) with <paramref name="previous"/> are unchanged.
    /// </summary>
    /// <returns><paramref name="next"/> with its new version.</returns>
    /// <exception cref="RunConflictException">Someone else stored a newer version first.</exception>
    Task<RunSnapshot> SaveAsync(RunSnapshot previous, RunSnapshot next, IReadOnlyList<TaskTransition> transitions, CancellationToken cancellationToken = default);
}

/// <summary>A snapshot could not be saved because the stored run changed since it was loaded; reload and re-apply.</summary>
public sealed class RunConflictException(RunKey run, Exception? inner = null)
    : Exception($"Run {run} changed since it was loaded.", inner)
{
    /// <summary>The run.</summary>
    public RunKey Run { get; } = run;
}

/// <summary>An event names a run that does not exist.</summary>
public sealed class RunNotFoundException(RunKey run) : Exception($"Run {run} does not exist.")
{
    /// <summary>The run.</summary>
    public RunKey Run { get; } = run;
}
