using Gale.Runs.Events;

namespace Gale.Orchestration.Runs;

/// <summary>
/// The operations an orchestration was sent (raised events, or events carried into a new execution) and which of them
/// it has decided, so that its status can tell a caller waiting on its own operation that reads now show it
/// (<see cref="RunStatus.Received"/>). Deterministic: filled from the history as the orchestration replays.
/// </summary>
/// <param name="received">The latest operations decided before this history began.</param>
internal sealed class Operations(IReadOnlyList<string>? received = null)
{
    private readonly HashSet<string> _waiting = new(StringComparer.Ordinal);
    private readonly Queue<string> _received = new(received ?? []);

    /// <summary>The latest decided operations' ids, oldest first.</summary>
    public IReadOnlyList<string> Received => [.. _received];

    /// <summary>
    /// Notes <paramref name="events"/> as sent from outside; returns them as received at <paramref name="now"/>, the
    /// orchestration's time (the sender's clock may run ahead of it, which would put a task's queued date after its start).
    /// </summary>
    public List<RunEvent> Raised(IEnumerable<RunEvent> events, DateTimeOffset now)
    {
        var list = events.Select(e => e with { At = now }).ToList();
        foreach (var e in list)
        {
            _waiting.Add(e.EventId);
        }

        return list;
    }

    /// <summary>Notes that <paramref name="events"/> were decided.</summary>
    public void Decided(IEnumerable<RunEvent> events)
    {
        foreach (var e in events)
        {
            if (_waiting.Remove(e.EventId))
            {
                _received.Enqueue(e.EventId);
                if (_received.Count > RunStatus.ReceivedMemory)
                {
                    _received.Dequeue();
                }
            }
        }
    }
}
