using Gale.Runs;

namespace Gale.Host.Api;

/// <summary>
/// Airflow's <c>GET /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries</c>: one entry per try of a task
/// instance (try_number, state, queued_when, start_date, end_date), rebuilt from the run's history (every task state
/// change, stored with each save). <c>~</c> as the task id lists the tries of every task instance of the run (what
/// the UI's Gantt chart draws), as Airflow's <c>~</c> does for DAG and run ids.
/// </summary>
internal static class TaskTryEndpoints
{
    public static void MapTaskTryEndpoints(this RouteGroupBuilder api, ApiContext ctx)
    {
        api.MapGet("/dags/{dagId}/dagRuns/{runId}/taskInstances/{taskId}/tries", async (string dagId, string runId, string taskId, HttpRequest request, CancellationToken ct) =>
        {
            var (limit, offset, error) = Paging.Read(request);
            if (error is not null)
            {
                return error;
            }

            var key = new RunKey(dagId, runId);
            if (ctx.Dags.Find(dagId) is not { } dag || await ctx.Runs.LoadAsync(key, ct) is not { } snapshot)
            {
                return Problems.NotFound($"DAG '{dagId}' has no run '{runId}'.");
            }

            TaskInstanceKey? only = null;
            if (taskId != "~")
            {
                var mapIndex = -1;
                if (request.Query.TryGetValue("map_index", out var m) && !int.TryParse(m, out mapIndex))
                {
                    return Problems.BadRequest($"map_index: '{m}' must be a whole number.");
                }

                only = new TaskInstanceKey(taskId, mapIndex);
                if (snapshot.Find(only.Value) is null)
                {
                    return Problems.NotFound($"run '{runId}' has no task instance '{taskId}'{(mapIndex >= 0 ? $" [{mapIndex}]" : string.Empty)}.");
                }
            }

            var history = await ctx.Runs.ReadHistoryAsync(key, ct);
            var tries = TaskTries.Of(snapshot, history, only)
                .OrderBy(t => dag.HasTask(t.Key.TaskId) ? dag.OrderOf(t.Key.TaskId) : int.MaxValue)
                .ThenBy(t => t.Key.TaskId, StringComparer.Ordinal)
                .ThenBy(t => t.Key.MapIndex)
                .ThenBy(t => t.TryNumber)
                .ToList();
            return Results.Json(new Dictionary<string, object>
            {
                ["task_instances"] = tries.Skip(offset).Take(limit).Select(t => Json(dag, snapshot.Run, t)).ToList(),
                ["total_entries"] = tries.Count,
            });
        });
    }

    private static Dictionary<string, object?> Json(Gale.Dags.Dag dag, DagRun run, TaskTry t)
    {
        var task = dag.HasTask(t.Key.TaskId) ? dag.GetTask(t.Key.TaskId) : null;
        return new Dictionary<string, object?>
        {
            ["dag_id"] = run.DagId,
            ["dag_run_id"] = run.RunId,
            ["task_id"] = t.Key.TaskId,
            ["map_index"] = t.Key.MapIndex,
            ["try_number"] = t.TryNumber,
            ["state"] = t.State == TaskInstanceState.None ? null : t.State.ToAirflowName(),
            ["queued_when"] = ApiJson.Iso(t.QueuedWhen),
            ["start_date"] = ApiJson.Iso(t.StartDate),
            ["end_date"] = ApiJson.Iso(t.EndDate),
            ["duration"] = t.StartDate is { } s && t.EndDate is { } e ? (e - s).TotalSeconds : null,
            ["hostname"] = t.WorkerId,
            ["max_tries"] = t.MaxTries,
            ["operator"] = task?.Operator.OperatorName,
            ["pool"] = task?.Pool,
            ["pool_slots"] = task?.PoolSlots,
            ["priority_weight"] = task?.PriorityWeight,
        };
    }
}

/// <summary>One try of a task instance, as its history tells it.</summary>
internal sealed record TaskTry(TaskInstanceKey Key, int TryNumber, TaskInstanceState State, DateTimeOffset? QueuedWhen, DateTimeOffset? StartDate, DateTimeOffset? EndDate, string? WorkerId, int MaxTries);

/// <summary>Rebuilds the tries of task instances from a run's history (pure).</summary>
internal static class TaskTries
{
    /// <summary>
    /// Every try (1 and up) of the run's task instances, or of <paramref name="only"/>. A try is the transitions that
    /// carry its number: queued when it was first queued, started when it first ran, its state the last one it reached
    /// (a later none or scheduled belongs to a clear or a retry, not to the try), ended when it first reached a finished
    /// state or up_for_retry (marking it later changes its state, not when it ended), or (cleared before finishing) when
    /// the next change came. The current try's state is the
    /// snapshot's; a try the history lacks (history written before it was kept) comes from the snapshot alone.
    /// </summary>
    public static IReadOnlyList<TaskTry> Of(RunSnapshot snapshot, IReadOnlyList<TaskTransition> history, TaskInstanceKey? only = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(history);
        var tries = new List<TaskTry>();
        var byKey = history
            .Select((t, i) => (T: t, I: i))
            .GroupBy(x => new TaskInstanceKey(x.T.TaskId, x.T.MapIndex))
            .ToDictionary(g => g.Key, g => g.OrderBy(x => x.I).Select(x => x.T).ToList());
        var keys = only is { } k ? [k] : snapshot.Tasks.Keys.Union(byKey.Keys).ToList();
        foreach (var key in keys)
        {
            var ti = snapshot.Find(key);
            var changes = byKey.GetValueOrDefault(key) ?? [];
            var numbers = changes.Where(c => c.TryNumber >= 1).Select(c => c.TryNumber).Distinct().Order().ToList();
            foreach (var n in numbers)
            {
                var own = changes.Where(c => c.TryNumber == n).ToList();
                var reached = own.LastOrDefault(c => c.To is not (TaskInstanceState.None or TaskInstanceState.Scheduled)) ?? own[^1];
                var current = ti is not null && ti.TryNumber == n && ti.State is not (TaskInstanceState.None or TaskInstanceState.Scheduled);
                var state = current ? ti!.State : reached.To;
                // The try ended when it first finished (a later mark of the same try changes its state, not its end).
                DateTimeOffset? end = null;
                if (state.IsFinished() || state == TaskInstanceState.UpForRetry)
                {
                    end = own.FirstOrDefault(c => c.To.IsFinished() || c.To == TaskInstanceState.UpForRetry)?.At ?? (current ? ti!.EndDate : null) ?? reached.At;
                }
                else if (!current && changes.IndexOf(reached) is var at && at + 1 < changes.Count)
                {
                    end = changes[at + 1].At;
                }

                tries.Add(new TaskTry(
                    key,
                    n,
                    state,
                    own.FirstOrDefault(c => c.To == TaskInstanceState.Queued)?.At,
                    own.FirstOrDefault(c => c.To == TaskInstanceState.Running)?.At,
                    end,
                    own.LastOrDefault(c => c.WorkerId is not null)?.WorkerId,
                    ti?.MaxTries ?? 0));
            }

            if (ti is { TryNumber: >= 1 } && !numbers.Contains(ti.TryNumber))
            {
                tries.Add(new TaskTry(key, ti.TryNumber, ti.State, ti.QueuedAt, ti.StartDate, ti.EndDate, ti.WorkerId, ti.MaxTries));
            }
        }

        return tries;
    }
}
