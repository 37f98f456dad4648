using System.Runtime.ExceptionServices;
using Gale.Runs.Events;

namespace Gale.Orchestration.Runs;

/// <summary>
/// What a run orchestration waits on (tries, timers, trigger checks, raised operations), gathered in the order the
/// runtime completes them, which is the order of the history and so the same on every replay. Waiting on all pending
/// work with <see cref="Task.WhenAny(IEnumerable{Task})"/> instead would cost every wake-up one continuation per
/// pending task: quadratic in a wide fan-out.
/// </summary>
internal sealed class Arrivals
{
    private readonly List<RunEvent> _arrived = [];
    private TaskCompletionSource? _wake;
    private ExceptionDispatchInfo? _failure;

    /// <summary>Activities started through <see cref="Activity{T}"/> that have not returned yet.</summary>
    public int ActivitiesRunning { get; private set; }

    /// <summary>
    /// Counts <paramref name="call"/> in <see cref="ActivitiesRunning"/> until it returns: an orchestration cannot
    /// complete while an activity it scheduled runs, so a finished run waits for them (taking operations meanwhile).
    /// </summary>
    public async Task<T> Activity<T>(Task<T> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        ActivitiesRunning++;
        try
        {
            return await call;
        }
        finally
        {
            ActivitiesRunning--;
        }
    }

    /// <summary>Adds what <paramref name="work"/> ends with (nothing for null) once it ends.</summary>
    public void Watch(Task<RunEvent?> work) => _ = WatchAsync(work);

    /// <summary>Adds events now (all of them before anyone waiting wakes, so that they are decided together).</summary>
    public void Add(params IReadOnlyList<RunEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        _arrived.AddRange(events);
        _wake?.TrySetResult();
    }

    /// <summary>Everything that arrived and was not taken yet, without waiting (empty when nothing did).</summary>
    /// <exception cref="Exception">A watched task failed with an exception it did not turn into an event.</exception>
    public List<RunEvent> TakeAll()
    {
        _failure?.Throw();
        var events = new List<RunEvent>(_arrived);
        _arrived.Clear();
        return events;
    }

    /// <summary>Everything that arrived since the last call, waiting for at least one event.</summary>
    /// <exception cref="Exception">A watched task failed with an exception it did not turn into an event.</exception>
    public async Task<List<RunEvent>> NextAsync()
    {
        while (_arrived.Count == 0 && _failure is null)
        {
            _wake = new TaskCompletionSource();
            await _wake.Task;
        }

        _wake = null;
        return TakeAll();
    }

    private async Task WatchAsync(Task<RunEvent?> work)
    {
        try
        {
            if (await work is { } e)
            {
                Add(e);
            }
        }
        catch (OperationCanceledException) when (work.IsCanceled)
        {
            // A timer cancelled because the run finished.
        }
        catch (Exception e)
        {
            _failure ??= ExceptionDispatchInfo.Capture(e);
            _wake?.TrySetResult();
        }
    }
}
