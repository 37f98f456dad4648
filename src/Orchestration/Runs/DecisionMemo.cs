using Gale.Dags;
using Gale.Runs;

namespace Gale.Orchestration.Runs;

/// <summary>
/// Remembers the decisions orchestrations made in this process, so that replaying an instance's history reuses them
/// instead of deciding again. Without it a run of n events pays n decisions on every episode (a 1,000-task fan-out
/// spent a quarter of its time there). Safe because <see cref="RunDecider"/> is pure: a step is reused only for the
/// same DAG object, the same snapshot object, the same events (by id and instant) and the same decision instant,
/// which on a replay is what the first execution saw. A replay in another process, or after eviction, decides afresh
/// with the same outcome.
/// </summary>
/// <param name="capacity">How many instances' decisions are kept (the least recently used go first).</param>
public sealed class DecisionMemo(int capacity = 256)
{
    private readonly Dictionary<string, LinkedListNode<RunDecisions>> _runs = new(StringComparer.Ordinal);
    private readonly LinkedList<RunDecisions> _recent = [];
    private readonly Lock _gate = new();
    private long _reused;

    /// <summary>The memo shared by the orchestrations of this process.</summary>
    public static DecisionMemo Shared { get; } = new();

    /// <summary>How many decisions were reused.</summary>
    public long Reused => Interlocked.Read(ref _reused);

    /// <summary>
    /// The decisions of <paramref name="instanceId"/>'s run: those made before if the DAG object and the run are the
    /// same, else a new start from the run's first snapshot.
    /// </summary>
    public RunDecisions Start(string instanceId, Dag dag, DagRunInput input)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(input);
        var fingerprint = Gale.Engine.EngineMessages.Serialize(input);
        lock (_gate)
        {
            if (_runs.Remove(instanceId, out var known))
            {
                _recent.Remove(known);
            }

            var decisions = known?.Value is { } before && ReferenceEquals(before.Dag, dag) && before.Fingerprint == fingerprint
                ? before
                : new RunDecisions(this, instanceId, dag, fingerprint, input.Resume?.ToSnapshot() ?? RunSnapshotFactory.Create(dag, input.Run));
            _runs[instanceId] = _recent.AddFirst(decisions);
            while (_recent.Count > capacity)
            {
                _runs.Remove(_recent.Last!.Value.InstanceId);
                _recent.RemoveLast();
            }

            return decisions;
        }
    }

    /// <summary>Forgets an instance (its run finished).</summary>
    public void Forget(string instanceId)
    {
        lock (_gate)
        {
            if (_runs.Remove(instanceId, out var node))
            {
                _recent.Remove(node);
            }
        }
    }

    internal void CountReuse() => Interlocked.Increment(ref _reused);
}

/// <summary>One run's decisions, chained from its first snapshot (see <see cref="DecisionMemo"/>).</summary>
public sealed class RunDecisions
{
    // Plain references, not a ConditionalWeakTable: a chain of ephemerons, each value keying the next, costs the GC
    // one pass per link (a 1,000-task fan-out slowed eightfold).
    private readonly Dictionary<RunSnapshot, List<Step>> _steps = new(ReferenceEqualityComparer.Instance);
    private readonly DecisionMemo _memo;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<RunSnapshot, string> _fingerprints = [];

    internal RunDecisions(DecisionMemo memo, string instanceId, Dag dag, string fingerprint, RunSnapshot first)
    {
        _memo = memo;
        InstanceId = instanceId;
        Dag = dag;
        Fingerprint = fingerprint;
        First = first;
    }

    /// <summary>The run's first snapshot: queued with every instance in state none, or the finished run resumed.</summary>
    public RunSnapshot First { get; }

    internal string InstanceId { get; }

    internal Dag Dag { get; }

    internal string Fingerprint { get; }

    /// <summary>Decides, or returns the decision made before for exactly these inputs.</summary>
    /// <param name="snapshot">The run before the events.</param>
    /// <param name="events">What happened.</param>
    /// <param name="now">The decision's instant.</param>
    /// <param name="previous">The previous run, for depends_on_past (compared by content: a replay reads it again).</param>
    public Decision Decide(RunSnapshot snapshot, IReadOnlyList<Gale.Runs.Events.RunEvent> events, DateTimeOffset now, RunSnapshot? previous = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(events);
        var past = previous is null ? null : _fingerprints.GetValue(previous, p => Gale.Engine.EngineMessages.Serialize(RunSnapshotData.From(p)));
        lock (_steps)
        {
            // A snapshot the decider left unchanged is the input of the next step too, so one snapshot can start several.
            if (_steps.TryGetValue(snapshot, out var steps) && steps.Find(s => s.Matches(events, now, past)) is { } step)
            {
                _memo.CountReuse();
                return step.Decision;
            }
        }

        var decision = RunDecider.Decide(Dag, snapshot, events, now, previous);
        lock (_steps)
        {
            if (!_steps.TryGetValue(snapshot, out var steps))
            {
                _steps[snapshot] = steps = [];
            }

            steps.Add(new Step([.. events.Select(e => (e.EventId, e.At))], now, past, decision));
        }

        return decision;
    }

    private sealed record Step((string Id, DateTimeOffset At)[] Events, DateTimeOffset Now, string? Previous, Decision Decision)
    {
        public bool Matches(IReadOnlyList<Gale.Runs.Events.RunEvent> events, DateTimeOffset now, string? previous)
        {
            if (now != Now || events.Count != Events.Length || previous != Previous)
            {
                return false;
            }

            for (var i = 0; i < events.Count; i++)
            {
                if (events[i].EventId != Events[i].Id || events[i].At != Events[i].At)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
