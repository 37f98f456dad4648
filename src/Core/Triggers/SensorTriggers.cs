using Gale.Runs;

namespace Gale.Triggers;

/// <summary>Fires when an HTTP endpoint answers with an expected status and, optionally, contains a text (Airflow's HttpSensor).</summary>
public sealed class HttpConditionTrigger : PollingTrigger
{
    /// <summary>An absolute URL (or give <see cref="HttpConnId"/> and <see cref="Endpoint"/>).</summary>
    public string? Url { get; init; }

    /// <summary>A connection id whose base URL, credentials and headers are used.</summary>
    public string? HttpConnId { get; init; }

    /// <summary>A path under the connection's base URL.</summary>
    public string? Endpoint { get; init; }

    /// <summary>The method (default GET).</summary>
    public string Method { get; init; } = "GET";

    /// <summary>Statuses that count as done (default: 200–299).</summary>
    public IReadOnlyList<int>? ExpectedStatus { get; init; }

    /// <summary>Text the response must contain.</summary>
    public string? Contains { get; init; }

    /// <inheritdoc />
    public override string Kind => "http";

    /// <inheritdoc />
    public override async ValueTask<(bool Done, object? Event)> PollAsync(TriggerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var request = Gale.Operators.HttpRequests.Create(Method, Url, HttpConnId, Endpoint, context.Connections, context.Masker);
        using var response = await context.Http.SendAsync(request, context.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(context.CancellationToken);
        var status = (int)response.StatusCode;
        var statusOk = ExpectedStatus is { Count: > 0 } expected ? expected.Contains(status) : status is >= 200 and < 300;
        var done = statusOk && (Contains is null || body.Contains(Contains, StringComparison.Ordinal));
        return (done, new { status, body = body.Length > 2048 ? body[..2048] : body });
    }
}

/// <summary>Fires when a blob exists, or any blob under a prefix (Airflow's file, WASB blob and prefix sensors).</summary>
public sealed class BlobExistsTrigger : PollingTrigger
{
    /// <summary>The container.</summary>
    public required string Container { get; init; }

    /// <summary>The blob's name, or the prefix with <see cref="IsPrefix"/>.</summary>
    public required string Name { get; init; }

    /// <summary>Wait for any blob under <see cref="Name"/>.</summary>
    public bool IsPrefix { get; init; }

    /// <inheritdoc />
    public override string Kind => "blob_exists";

    /// <inheritdoc />
    public override async ValueTask<(bool Done, object? Event)> PollAsync(TriggerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var exists = await context.Objects.ExistsAsync(Container, Name, IsPrefix, context.CancellationToken);
        return (exists, new { container = Container, name = Name });
    }
}

/// <summary>
/// Fires when another DAG's run with a given logical date, or one of its tasks, reaches an allowed state (Airflow's
/// ExternalTaskSensor); a failed state fails the waiting try.
/// </summary>
public sealed class ExternalTaskTrigger : PollingTrigger
{
    /// <summary>The other DAG.</summary>
    public required string ExternalDagId { get; init; }

    /// <summary>The task to watch; null: the whole run.</summary>
    public string? ExternalTaskId { get; init; }

    /// <summary>The logical date of the run to watch.</summary>
    public required DateTimeOffset LogicalDate { get; init; }

    /// <summary>States that count as done (default: success).</summary>
    public IReadOnlyList<string> AllowedStates { get; init; } = ["success"];

    /// <summary>States that fail the waiting try.</summary>
    public IReadOnlyList<string> FailedStates { get; init; } = [];

    /// <inheritdoc />
    public override string Kind => "external_task";

    /// <inheritdoc />
    public override async ValueTask<(bool Done, object? Event)> PollAsync(TriggerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var runs = context.Runs ?? throw new InvalidOperationException("no run store to watch another DAG's runs");
        DagRun? found = null;
        await foreach (var run in runs.ListRunsAsync(ExternalDagId, cancellationToken: context.CancellationToken))
        {
            if (run.LogicalDate == LogicalDate)
            {
                found = run;
                break;
            }
        }

        if (found is null)
        {
            return (false, null);
        }

        var state = found.State.ToAirflowName();
        if (ExternalTaskId is not null)
        {
            var snapshot = await runs.LoadAsync(found.Key, context.CancellationToken);
            var instances = snapshot?.Tasks.Values.Where(t => t.TaskId == ExternalTaskId).ToList() ?? [];
            if (instances.Count == 0)
            {
                return (false, null);
            }

            state = instances.Select(t => t.State.ToAirflowName()).FirstOrDefault(s => FailedStates.Contains(s)) ?? (instances.All(t => AllowedStates.Contains(t.State.ToAirflowName())) ? AllowedStates[0] : "waiting");
        }

        if (FailedStates.Contains(state))
        {
            throw new InvalidOperationException($"{ExternalDagId}{(ExternalTaskId is null ? string.Empty : "." + ExternalTaskId)} in run {found.RunId} is {state}");
        }

        return (AllowedStates.Contains(state), new { dag_id = ExternalDagId, run_id = found.RunId, task_id = ExternalTaskId, state });
    }
}

/// <summary>Fires when a run reaches an allowed state; a failed state fails the waiting try (trigger_dagrun's wait_for_completion).</summary>
public sealed class DagRunStateTrigger : PollingTrigger
{
    /// <summary>The DAG.</summary>
    public required string DagId { get; init; }

    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>States that count as done (default: success).</summary>
    public IReadOnlyList<string> AllowedStates { get; init; } = ["success"];

    /// <summary>States that fail the waiting try (default: failed).</summary>
    public IReadOnlyList<string> FailedStates { get; init; } = ["failed"];

    /// <inheritdoc />
    public override string Kind => "dag_run_state";

    /// <inheritdoc />
    public override async ValueTask<(bool Done, object? Event)> PollAsync(TriggerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var runs = context.Runs ?? throw new InvalidOperationException("no run store to watch another DAG's runs");
        var snapshot = await runs.LoadAsync(new RunKey(DagId, RunId), context.CancellationToken);
        if (snapshot is null)
        {
            return (false, null);
        }

        var state = snapshot.Run.State.ToAirflowName();
        if (FailedStates.Contains(state))
        {
            throw new InvalidOperationException($"{DagId} failed with failed state {state} (run {RunId})");
        }

        return (AllowedStates.Contains(state), new { dag_id = DagId, run_id = RunId, state });
    }
}
