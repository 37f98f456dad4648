using System.Collections.Concurrent;
using Gale.Dags;
using Gale.Runs;
using Gale.Runs.Commands;
using Gale.Runs.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Engine;

/// <summary>
/// Applies events to runs: load the snapshot (or use the cached one), <see cref="RunDecider.Decide(Dag, RunSnapshot, IReadOnlyList{RunEvent}, DateTimeOffset, RunSnapshot)"/>,
/// save with the loaded version, and only then send the commands. A lost race reloads and re-applies. Events for the
/// same run that arrive while a commit is in flight are coalesced into the next commit, so a fan-in of many
/// completions costs a few commits, not one conflict per completion.
/// </summary>
public sealed partial class RunEngine : IDagRuns
{
    private readonly ConcurrentDictionary<RunKey, Mailbox> _mailboxes = new();
    private readonly ConcurrentDictionary<RunKey, RunSnapshot> _cache = new();
    private readonly IRunStore _store;
    private readonly IDagRegistry _dags;
    private readonly IMessageQueue _tasks;
    private readonly IMessageQueue _control;
    private readonly TimeProvider _clock;
    private readonly EngineOptions _options;
    private readonly ILogger _log;

    /// <summary>Creates an engine over the given ports.</summary>
    public RunEngine(IRunStore store, IDagRegistry dags, IMessageQueue tasks, IMessageQueue control, TimeProvider clock, EngineOptions options, ILogger<RunEngine>? log = null)
    {
        _store = store;
        _dags = dags;
        _tasks = tasks;
        _control = control;
        _clock = clock;
        _options = options;
        _log = log ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Raised after a run reached a final state and that state was stored.</summary>
    public event Action<RunFinished>? RunCompleted;

    /// <summary>The worker that may start ready attempts without a queue round trip.</summary>
    public ILocalAttemptSink? LocalSink { get; set; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<RunKey, RunKey?> _previousRuns = new();

    /// <summary>Where XComs live, so a clear removes the cleared instances' XComs; null leaves them to the next try.</summary>
    public Gale.Execution.IXComStore? XComs { get; set; }

    /// <summary>Counters for benchmarks and diagnostics.</summary>
    public EngineStats Stats { get; } = new();

    /// <summary>The engine's settings.</summary>
    public EngineOptions Options => _options;

    /// <summary>The engine's clock.</summary>
    public TimeProvider Clock => _clock;

    /// <summary>Creates the run if it does not exist yet (idempotent: the run id is the key) and starts it.</summary>
    /// <returns>The run's snapshot and whether this call created it.</returns>
    public async Task<(RunSnapshot Snapshot, bool Created)> CreateRunAsync(Dag dag, DagRun run, bool start = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        var created = await _store.CreateAsync(RunSnapshotFactory.Create(dag, run), cancellationToken);
        if (created is null)
        {
            return ((await _store.LoadAsync(run.Key, cancellationToken))!, false);
        }

        _cache[run.Key] = created;
        LogRunCreated(_log, run.Key);
        if (!start)
        {
            return (created, true);
        }

        var started = await ApplyAsync(run.Key, [new RunStarted { EventId = $"start:{run.Key}", At = _clock.GetUtcNow() }], cancellationToken);
        return (started, true);
    }

    /// <summary>Applies events to a run and sends the resulting commands. Returns the stored snapshot after the events.</summary>
    /// <exception cref="RunNotFoundException">The run does not exist.</exception>
    /// <exception cref="InvalidOperationException">The run's DAG is not known to this process.</exception>
    public Task<RunSnapshot> ApplyAsync(RunKey run, IReadOnlyList<RunEvent> events, CancellationToken cancellationToken = default)
    {
        var mailbox = _mailboxes.GetOrAdd(run, _ => new Mailbox());
        var pending = new Pending(events, new TaskCompletionSource<RunSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool lead;
        lock (mailbox)
        {
            mailbox.Queue.Add(pending);
            lead = !mailbox.Draining;
            mailbox.Draining = true;
        }

        if (lead)
        {
            _ = Task.Run(() => DrainAsync(run, mailbox), CancellationToken.None);
        }

        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Loads a run's current snapshot (from the store, refreshing the cache).</summary>
    public async Task<RunSnapshot?> LoadAsync(RunKey run, CancellationToken cancellationToken = default)
    {
        var snapshot = await _store.LoadAsync(run, cancellationToken);
        if (snapshot is not null)
        {
            _cache[run] = snapshot;
        }

        return snapshot;
    }

    /// <summary>The store runs live in.</summary>
    public IRunStore Store => _store;

    /// <inheritdoc />
    public Task<IReadOnlyList<TaskTransition>> ReadHistoryAsync(RunKey key, CancellationToken cancellationToken = default) =>
        _store.ReadHistoryAsync(key, cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<DagRun> ListRunsAsync(string? dagId = null, DagRunState? state = null, CancellationToken cancellationToken = default) =>
        _store.ListRunsAsync(dagId, state, cancellationToken);

    /// <summary>
    /// The snapshot this process saved or loaded last (it may be behind the store), without a storage request;
    /// null when this process holds none. Use it only where a stale answer is checked again.
    /// </summary>
    public RunSnapshot? Cached(RunKey run) => _cache.GetValueOrDefault(run);

    /// <summary>Sends a deferred task's trigger check again, due now (the sweeper's repair for a lost timer message; a duplicate is ignored).</summary>
    public Task RedispatchCheckAsync(RunKey run, TaskInstanceKey task, int tryNumber, int check) =>
        SendControlAsync(run, new TriggerCheckDue { EventId = $"check:{run}/{task}/{tryNumber}/{check}", Task = task, TryNumber = tryNumber, Check = check, At = _clock.GetUtcNow() }, _clock.GetUtcNow());

    /// <summary>Sends an attempt message again (the sweeper's repair for a queued attempt whose message was lost).</summary>
    public Task RedispatchAsync(RunKey run, TaskInstanceKey task, int tryNumber) =>
        _tasks.SendAsync(EngineMessages.Serialize(new AttemptMessage(run.DagId, run.RunId, task.TaskId, task.MapIndex, tryNumber)));

    private async Task DrainAsync(RunKey run, Mailbox mailbox)
    {
        while (true)
        {
            List<Pending> batch;
            lock (mailbox)
            {
                if (mailbox.Queue.Count == 0)
                {
                    mailbox.Draining = false;
                    return;
                }

                batch = mailbox.Queue;
                mailbox.Queue = [];
            }

            try
            {
                var snapshot = await CommitAsync(run, batch.SelectMany(p => p.Events).ToList());
                foreach (var p in batch)
                {
                    p.Done.TrySetResult(snapshot);
                }
            }
            catch (Exception e)
            {
                foreach (var p in batch)
                {
                    p.Done.TrySetException(e);
                }
            }
        }
    }

    private async Task<RunSnapshot> CommitAsync(RunKey run, IReadOnlyList<RunEvent> events)
    {
        for (var attempt = 1; ; attempt++)
        {
            var fromCache = _cache.TryGetValue(run, out var cached);
            var snapshot = fromCache ? cached : await _store.LoadAsync(run);
            if (snapshot is null)
            {
                throw new RunNotFoundException(run);
            }

            var dag = _dags.Find(run.DagId) ?? throw new InvalidOperationException($"Run {run} belongs to DAG '{run.DagId}', which this process has not loaded.");
            var decideStart = System.Diagnostics.Stopwatch.GetTimestamp();
            var previous = PastDependency.Applies(dag) ? await PreviousRunAsync(snapshot!.Run) : null;
            var decision = RunDecider.Decide(dag, snapshot!, events, _clock.GetUtcNow(), previous);
            Stats.AddDecide(System.Diagnostics.Stopwatch.GetElapsedTime(decideStart), events.Count);
            if (!decision.Changed)
            {
                if (fromCache)
                {
                    // "Nothing to do" may only mean the cached copy is behind another host's commits: check the store.
                    _cache.TryRemove(run, out _);
                    continue;
                }

                _cache[run] = snapshot!;
                return snapshot!;
            }

            RunSnapshot saved;
            var saveStart = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                saved = await _store.SaveAsync(snapshot!, decision.Snapshot, TaskTransition.Between(snapshot!, decision.Snapshot, _clock.GetUtcNow(), decision.ChangedTasks));
            }
            catch (RunConflictException) when (attempt < _options.MaxCommitAttempts)
            {
                Stats.AddConflict();
                _cache.TryRemove(run, out _);
                LogConflict(_log, run, attempt);
                if (attempt > 2)
                {
                    // Two hosts racing on one busy run: a random pause lets one of them win instead of both retrying in step.
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 5 + Math.Min(200, 10 << Math.Min(attempt, 5)))), _clock);
                }

                continue;
            }

            Stats.AddCommit(System.Diagnostics.Stopwatch.GetElapsedTime(saveStart));
            if (saved.Run.State.IsFinished())
            {
                _cache.TryRemove(run, out _);
                _mailboxes.TryRemove(run, out _);
            }
            else
            {
                _cache[run] = saved;
            }

            await DispatchAsync(decision.Commands, saved.Run);
            return saved;
        }
    }

    private async Task DispatchAsync(IReadOnlyList<RunCommand> commands, DagRun run)
    {
        // A cleared instance's XComs go before its next try is enqueued, so the try never sees them.
        foreach (var clear in commands.OfType<ClearTaskData>().Where(_ => XComs is not null))
        {
            await ClearTaskDataAsync(clear);
        }

        // A fan-out can enqueue thousands of attempts at once: send them concurrently, not one round trip at a time.
        var attempts = commands.OfType<EnqueueAttempt>()
            .Select(e => new AttemptMessage(e.Run.DagId, e.Run.RunId, e.Task.TaskId, e.Task.MapIndex, e.TryNumber))
            .ToList();
        if (attempts.Count == 1)
        {
            await EnqueueAsync(attempts[0]);
        }
        else if (attempts.Count > 1)
        {
            await Parallel.ForEachAsync(attempts, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (attempt, _) => await EnqueueAsync(attempt));
        }

        foreach (var command in commands)
        {
            switch (command)
            {
                case ScheduleRetry r:
                    var due = EngineEvents.RetryDue(r.Run, r.Task, r.FailedTryNumber, r.DueAt);
                    var delay = r.DueAt - _clock.GetUtcNow();
                    await _control.SendAsync(EngineMessages.Serialize(new ControlMessage(r.Run.DagId, r.Run.RunId, due)), delay > TimeSpan.Zero ? delay : null);
                    break;
                case ScheduleRunTimeout t:
                    var timeoutDelay = t.DueAt - _clock.GetUtcNow();
                    await _control.SendAsync(EngineMessages.Serialize(new ControlMessage(t.Run.DagId, t.Run.RunId, EngineEvents.RunTimeoutDue(t.Run, t.DueAt))), timeoutDelay > TimeSpan.Zero ? timeoutDelay : null);
                    break;
                case ScheduleTriggerCheck c:
                    await SendControlAsync(c.Run, new TriggerCheckDue { EventId = $"check:{c.Run}/{c.Task}/{c.TryNumber}/{c.Check}", Task = c.Task, TryNumber = c.TryNumber, Check = c.Check, At = c.DueAt }, c.DueAt);
                    break;
                case ScheduleTriggerTimeout t:
                    await SendControlAsync(t.Run, new TriggerTimeoutDue { EventId = $"trigger-timeout:{t.Run}/{t.Task}/{t.TryNumber}", Task = t.Task, TryNumber = t.TryNumber, At = t.DueAt }, t.DueAt);
                    break;
                case RunFinished f:
                    Gale.Telemetry.GaleTelemetry.RunFinished(run, f.Reason);
                    LogRunFinished(_log, f.Run, f.State.ToAirflowName(), f.Reason);
                    if (f.Reason != RunFinished.Marked)
                    {
                        await RunCallbackAsync(run, f.State);
                    }

                    RunCompleted?.Invoke(f);
                    break;
            }
        }
    }

    private async Task SendControlAsync(RunKey run, RunEvent e, DateTimeOffset dueAt)
    {
        var delay = dueAt - _clock.GetUtcNow();
        await _control.SendAsync(EngineMessages.Serialize(new ControlMessage(run.DagId, run.RunId, e)), delay > TimeSpan.Zero ? delay : null);
    }

    // The run before this one by logical date (any run type), for depends_on_past; its key is remembered per run.
    private async Task<RunSnapshot?> PreviousRunAsync(DagRun run)
    {
        if (!_previousRuns.TryGetValue(run.Key, out var previousKey))
        {
            previousKey = (await PastDependency.PreviousAsync(_store.ListRunsAsync(run.DagId), run))?.Key;
            _previousRuns[run.Key] = previousKey;
        }

        return previousKey is { } key ? await _store.LoadAsync(key) : null;
    }

    private async Task ClearTaskDataAsync(ClearTaskData clear)
    {
        try
        {
            foreach (var task in clear.Tasks)
            {
                await XComs!.DeleteTaskInstanceAsync(clear.Run.DagId, clear.Run.RunId, task.TaskId, task.MapIndex);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The next try deletes them before it runs; only the window in which stale values are visible grows.
            LogClearDataFailed(_log, clear.Run, e.Message);
        }
    }

    /// <summary>
    /// Builds the context a DAG-level callback runs with (the attempt runner sets it: it knows variables,
    /// connections, templates and the masker); without one, callbacks get a context of the run and its XComs only.
    /// </summary>
    public Func<Dag, DagRun, string, CancellationToken, Gale.Execution.TaskContext>? DagCallbackContext { get; set; }

    // DAG-level on_success / on_failure callbacks, bounded like task callbacks; a failing callback is logged and changes nothing.
    private async Task RunCallbackAsync(DagRun run, DagRunState state)
    {
        var dag = _dags.Find(run.DagId);
        var callback = state == DagRunState.Success ? dag?.Settings.OnSuccessCallback : dag?.Settings.OnFailureCallback;
        if (dag is null || callback is null)
        {
            return;
        }

        var name = state == DagRunState.Success ? "on_success_callback" : "on_failure_callback";
        using var timeout = new CancellationTokenSource(AttemptRunner.CallbackTimeout);
        try
        {
            var context = DagCallbackContext?.Invoke(dag, run, name, timeout.Token) ?? new Gale.Execution.TaskContext
            {
                DagId = run.DagId,
                RunId = run.RunId,
                TaskId = name,
                RunType = run.RunType,
                LogicalDate = run.LogicalDate,
                DataIntervalStart = run.DataIntervalStart,
                DataIntervalEnd = run.DataIntervalEnd,
                Conf = System.Text.Json.JsonDocument.Parse(run.Conf).RootElement.Clone(),
                XCom = new Gale.Execution.XComAccessor(XComs ?? new Gale.InMemory.InMemoryXComStore(), run.DagId, run.RunId, name, -1, timeout.Token),
                Log = _log,
                Clock = _clock,
                CancellationToken = timeout.Token,
            };
            await callback(context);
        }
        catch (Exception e)
        {
            LogCallbackFailed(_log, run.Key, state.ToAirflowName(), $"{e.GetType().Name}: {e.Message}");
        }
    }

    private async Task EnqueueAsync(AttemptMessage attempt)
    {
        var body = EngineMessages.Serialize(attempt);
        var sink = _options.RunReadyTasksLocally ? LocalSink : null;
        if (sink is not null && sink.TryReserveSlot())
        {
            QueueMessageHandle handle;
            try
            {
                handle = await _tasks.SendAsync(body, _options.Lease);
            }
            catch
            {
                sink.ReleaseSlot();
                throw;
            }

            sink.StartReserved(handle, attempt);
            return;
        }

        await _tasks.SendAsync(body);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {Run} created")]
    private static partial void LogRunCreated(ILogger logger, RunKey run);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {Run} finished: {State} ({Reason})")]
    private static partial void LogRunFinished(ILogger logger, RunKey run, string state, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {State} callback of run {Run} failed (the run's state is unchanged): {Error}")]
    private static partial void LogCallbackFailed(ILogger logger, RunKey run, string state, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing the XComs of cleared tasks of run {Run} failed (their next tries remove them): {Error}")]
    private static partial void LogClearDataFailed(ILogger logger, RunKey run, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {Run} changed under us (attempt {Attempt}); reloading")]
    private static partial void LogConflict(ILogger logger, RunKey run, int attempt);

    private sealed record Pending(IReadOnlyList<RunEvent> Events, TaskCompletionSource<RunSnapshot> Done);

    private sealed class Mailbox
    {
        public List<Pending> Queue { get; set; } = [];

        public bool Draining { get; set; }
    }
}
