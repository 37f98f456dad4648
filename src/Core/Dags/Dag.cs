using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Gale.Dags;

/// <summary>
/// A validated DAG: its settings and tasks, with upstream/downstream maps and a topological order.
/// Build one with <see cref="Create"/>; construction rejects cycles, duplicate ids and unknown upstream ids.
/// </summary>
public sealed partial class Dag
{
    private readonly FrozenDictionary<string, DagTask> _tasks;
    private readonly FrozenDictionary<string, IReadOnlyList<string>> _downstream;
    private readonly FrozenDictionary<string, int> _order;
    private readonly bool _hasSetups;
    private readonly Dictionary<string, IReadOnlyList<string>> _indirectSetups = new(StringComparer.Ordinal);
    private HashSet<string>? _leaves;

    /// <summary>Creates and validates a DAG.</summary>
    /// <exception cref="DagValidationException">The DAG is invalid.</exception>
    public Dag(DagSettings settings, IEnumerable<DagTask> tasks)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(tasks);
        Settings = settings;
        if (!IdPattern().IsMatch(settings.DagId))
        {
            throw new DagValidationException(settings.DagId, "dag_id must be 1 to 250 letters, digits, '_', '-' or '.'.");
        }

        var list = tasks.ToList();
        var byId = new Dictionary<string, DagTask>(StringComparer.Ordinal);
        foreach (var task in list)
        {
            if (!IdPattern().IsMatch(task.TaskId))
            {
                throw new DagValidationException(DagId, $"task_id '{task.TaskId}' must be 1 to 250 letters, digits, '_', '-' or '.'.");
            }

            if (!byId.TryAdd(task.TaskId, task))
            {
                throw new DagValidationException(DagId, $"task_id '{task.TaskId}' is defined more than once.");
            }

            if (task.Retries < 0)
            {
                throw new DagValidationException(DagId, $"task '{task.TaskId}': retries must not be negative.");
            }
        }

        var downstream = list.ToDictionary(t => t.TaskId, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var task in list)
        {
            foreach (var up in task.Upstream)
            {
                if (!downstream.TryGetValue(up, out var targets))
                {
                    throw new DagValidationException(DagId, $"task '{task.TaskId}' has upstream '{up}', which is not a task of this DAG.");
                }

                if (up == task.TaskId)
                {
                    throw new DagValidationException(DagId, $"task '{up}' depends on itself.");
                }

                targets.Add(task.TaskId);
            }
        }

        try
        {
            Timetable = settings.Timetable ?? Gale.Timetables.TimetableParser.Parse(settings.Schedule, settings.Timezone);
        }
        catch (FormatException e)
        {
            throw new DagValidationException(DagId, $"schedule: {e.Message}.");
        }

        if (settings.EndDate < settings.StartDate)
        {
            throw new DagValidationException(DagId, $"end_date {settings.EndDate:O} is before start_date {settings.StartDate:O}.");
        }

        if (Timetable is Gale.Timetables.ContinuousTimetable && settings.MaxActiveRuns != 1)
        {
            throw new DagValidationException(DagId, "schedule @continuous needs max_active_runs: 1.");
        }

        if (settings.MaxAssetEventsPerRun is < 1 or > Gale.Assets.AssetTriggerPlanner.MaxEventsPerRunLimit)
        {
            throw new DagValidationException(DagId, $"max_events_per_run must be between 1 and {Gale.Assets.AssetTriggerPlanner.MaxEventsPerRunLimit}, not {settings.MaxAssetEventsPerRun}.");
        }

        if (settings.Watchers.GroupBy(w => w.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new DagValidationException(DagId, $"two watchers are named '{twice.Key}'; watcher names must be unique.");
        }

        _tasks = byId.ToFrozenDictionary(StringComparer.Ordinal);
        _downstream = downstream.ToFrozenDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
        TopologicalOrder = Sort(list, _downstream);
        _hasSetups = list.Any(t => t.IsSetup);
        _order = TopologicalOrder.Select((t, i) => (t.TaskId, i)).ToFrozenDictionary(p => p.TaskId, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>When the scheduler creates runs of this DAG (from <see cref="DagSettings.Timetable"/> or <see cref="DagSettings.Schedule"/> in <see cref="DagSettings.Timezone"/>).</summary>
    public Gale.Timetables.ITimetable Timetable { get; }

    /// <summary>The schedule for people: the timetable, the asset expression, or both (either one creates runs).</summary>
    public string ScheduleDescription => (Settings.AssetSchedule, Timetable) switch
    {
        (null, var timetable) => timetable.Summary,
        ({ } assets, Gale.Timetables.NullTimetable) => $"Assets: {assets}",
        ({ } assets, var timetable) => $"{timetable.Summary} or assets: {assets}",
    };

    /// <summary>The bounds the scheduler applies: start_date, end_date, catchup.</summary>
    public Gale.Timetables.TimeRestriction TimeRestriction => new(Settings.StartDate, Settings.EndDate, Settings.Catchup);

    /// <summary>Starts a DAG definition (the C# builder API).</summary>
    public static DagBuilder Create(string dagId, string? schedule = null, DateTimeOffset? start = null) =>
        new(new DagSettings { DagId = dagId, Schedule = schedule, StartDate = start });

    /// <summary>The DAG's id.</summary>
    public string DagId => Settings.DagId;

    /// <summary>DAG-level settings.</summary>
    public DagSettings Settings { get; }

    /// <summary>Tasks in an order where every task comes after its upstream tasks (ties broken by definition order).</summary>
    public IReadOnlyList<DagTask> TopologicalOrder { get; }

    /// <summary>The task with this id.</summary>
    /// <exception cref="KeyNotFoundException">No such task.</exception>
    public DagTask GetTask(string taskId) =>
        _tasks.TryGetValue(taskId, out var task) ? task : throw new KeyNotFoundException($"DAG '{DagId}' has no task '{taskId}'.");

    /// <summary>True when the DAG has this task.</summary>
    public bool HasTask(string taskId) => _tasks.ContainsKey(taskId);

    /// <summary>Direct downstream task ids.</summary>
    public IReadOnlyList<string> Downstream(string taskId) => _downstream[taskId];

    /// <summary>The tasks whose states decide the run's state (no non-teardown downstream; not teardowns themselves).</summary>
    public IReadOnlySet<string> LeafTaskIds => _leaves ??= Gale.Runs.RunStateEvaluator.ComputeLeafTaskIds(this);

    /// <summary>
    /// Airflow's indirect setups of a (non-teardown) task: setups upstream of it, not directly, whose teardown (if
    /// any) is downstream of it. The task may only run once they all succeeded.
    /// </summary>
    public IReadOnlyList<string> IndirectSetups(string taskId)
    {
        if (!_hasSetups || GetTask(taskId).IsTeardown)
        {
            return [];
        }

        lock (_indirectSetups)
        {
            if (_indirectSetups.TryGetValue(taskId, out var cached))
            {
                return cached;
            }
        }

        var upstream = AllUpstream(taskId);
        var downstream = AllDownstream(taskId);
        var direct = GetTask(taskId).Upstream.ToHashSet(StringComparer.Ordinal);
        var result = upstream
            .Where(s => GetTask(s).IsSetup && !direct.Contains(s))
            .Where(s =>
            {
                var teardowns = Downstream(s).Where(d => GetTask(d).IsTeardown).ToList();
                return teardowns.Count == 0 || teardowns.Any(downstream.Contains);
            })
            .Order(StringComparer.Ordinal)
            .ToList();
        lock (_indirectSetups)
        {
            _indirectSetups[taskId] = result;
        }

        return result;
    }

    /// <summary>Every task downstream of <paramref name="taskId"/>, at any distance.</summary>
    public IReadOnlySet<string> AllDownstream(string taskId) => Transitive(taskId, Downstream);

    /// <summary>Every task upstream of <paramref name="taskId"/>, at any distance.</summary>
    public IReadOnlySet<string> AllUpstream(string taskId) => Transitive(taskId, t => GetTask(t).Upstream);

    private static HashSet<string> Transitive(string start, Func<string, IReadOnlyList<string>> next)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(next(start));
        while (stack.TryPop(out var id))
        {
            if (seen.Add(id))
            {
                foreach (var n in next(id))
                {
                    stack.Push(n);
                }
            }
        }

        return seen;
    }

    /// <summary>The task's position in <see cref="TopologicalOrder"/>.</summary>
    public int OrderOf(string taskId) => _order[taskId];

    private IReadOnlyList<DagTask> Sort(List<DagTask> tasks, FrozenDictionary<string, IReadOnlyList<string>> downstream)
    {
        var indegree = tasks.ToDictionary(t => t.TaskId, t => t.Upstream.Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
        var definitionOrder = tasks.Select((t, i) => (t.TaskId, i)).ToDictionary(p => p.TaskId, p => p.i, StringComparer.Ordinal);
        var ready = new PriorityQueue<string, int>();
        foreach (var t in tasks.Where(t => indegree[t.TaskId] == 0))
        {
            ready.Enqueue(t.TaskId, definitionOrder[t.TaskId]);
        }

        var sorted = new List<DagTask>(tasks.Count);
        while (ready.TryDequeue(out var id, out _))
        {
            sorted.Add(_tasks[id]);
            foreach (var next in downstream[id].Distinct(StringComparer.Ordinal))
            {
                if (--indegree[next] == 0)
                {
                    ready.Enqueue(next, definitionOrder[next]);
                }
            }
        }

        if (sorted.Count != tasks.Count)
        {
            throw new DagValidationException(DagId, $"cycle detected: {string.Join(" -> ", FindCycle(indegree.Where(p => p.Value > 0).Select(p => p.Key).ToHashSet(StringComparer.Ordinal)))}.");
        }

        return sorted;
    }

    private List<string> FindCycle(HashSet<string> remaining)
    {
        // Every remaining task has an upstream in the remaining set; walk upstream until a task repeats.
        var path = new List<string>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var current = remaining.Order(StringComparer.Ordinal).First();
        while (!seen.ContainsKey(current))
        {
            seen[current] = path.Count;
            path.Add(current);
            current = _tasks[current].Upstream.First(remaining.Contains);
        }

        // Upstream walk order reversed is edge order; rotate so the cycle starts at its smallest id (stable messages).
        var cycle = path.Skip(seen[current]).Reverse().ToList();
        var start = cycle.IndexOf(cycle.Min(StringComparer.Ordinal)!);
        cycle = [.. cycle.Skip(start), .. cycle.Take(start)];
        cycle.Add(cycle[0]);
        return cycle;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{1,250}$")]
    private static partial Regex IdPattern();
}
