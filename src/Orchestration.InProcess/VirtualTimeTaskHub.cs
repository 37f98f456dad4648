using DurableTask.Core;
using DurableTask.Core.Command;
using DurableTask.Core.History;
using Gale.Engine;
using Gale.InMemory;
using Gale.Orchestration.Runs;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Orchestration.InProcess;

/// <summary>
/// DAG-run orchestrations in one process on virtual time, for <c>gale dags test</c>: each episode runs the same
/// <see cref="DagRunOrchestrator"/> through DurableTask.Core's own replay executor over the instance's history,
/// activities run on the thread pool, and when nothing is running the clock jumps to the next durable timer, so retry
/// delays, sensor pokes and timeouts take no wall time. No storage, no network; the history lives in memory.
/// </summary>
public sealed class VirtualTimeTaskHub
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private readonly DurableTaskShimFactory _shims;
    private readonly DagRunTasks _tasks;

    /// <summary>A hub for <paramref name="dags"/>, whose tasks use <paramref name="services"/>, on <paramref name="clock"/>.</summary>
    /// <param name="dags">The DAGs.</param>
    /// <param name="services">The task services.</param>
    /// <param name="clock">The virtual clock.</param>
    /// <param name="workerId">The worker tries record.</param>
    /// <param name="loggers">Where tries log.</param>
    /// <param name="triesPerHistory">Tries one history of a run holds (<see cref="DagRunTaskOptions.TriesPerHistory"/>).</param>
    public VirtualTimeTaskHub(IDagRegistry dags, TaskServices services, SkippingTimeProvider clock, string workerId = "dags-test", ILoggerFactory? loggers = null, int triesPerHistory = DagRunOrchestrator.DefaultTriesPerHistory)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(dags);
        Clock = clock ?? throw new ArgumentNullException(nameof(clock));
        loggers ??= NullLoggerFactory.Instance;
        _shims = new DurableTaskShimFactory(new DurableTaskWorkerOptions(), loggers);
        Client = new VirtualTimeClient(this);
        Runs = new OrchestratedDagRuns(Client, dags, clock, confirmWithin: TimeSpan.Zero); // virtual time: no waiting on a wall clock
        _tasks = new DagRunTasks(dags, services, Runs, clock, new DagRunTaskOptions { WorkerId = workerId, EnforceLimitsAndWatchTries = false, StartTriggeredRunsImmediately = true, Memo = new DecisionMemo(), TriesPerHistory = triesPerHistory }, loggers);
    }

    /// <summary>The virtual clock.</summary>
    public SkippingTimeProvider Clock { get; }

    /// <summary>A client for the hub's instances.</summary>
    public Microsoft.DurableTask.Client.DurableTaskClient Client { get; }

    /// <summary>The hub's runs, as the API would see them.</summary>
    public OrchestratedDagRuns Runs { get; }

    /// <summary>
    /// Runs every instance until each has completed or nothing can happen any more (no episode to run, no activity
    /// running, no timer pending: a task waits for something only outside could send).
    /// </summary>
    /// <returns>True when every instance completed.</returns>
    public async Task<bool> RunUntilIdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<Instance> ready;
            lock (_gate)
            {
                foreach (var instance in _instances.Values)
                {
                    instance.CollectFinishedActivities();
                }

                ready = [.. _instances.Values.Where(i => i.Inbox.Count > 0 && !i.Completed)];
            }

            if (ready.Count > 0)
            {
                foreach (var instance in ready)
                {
                    RunEpisode(instance);
                }

                continue;
            }

            Task[] running;
            lock (_gate)
            {
                running = [.. _instances.Values.SelectMany(i => i.Activities.Values)];
            }

            if (running.Length > 0)
            {
                // Not only the activities: one may be waiting for a run it started (trigger_dagrun polling on the
                // worker), whose first episode is already in its inbox.
                await Task.WhenAny([.. running, Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken)]);
                continue;
            }

            lock (_gate)
            {
                var next = _instances.Values.Where(i => !i.Completed).SelectMany(i => i.Timers.Select(t => (Instance: i, Timer: t))).OrderBy(x => x.Timer.Value).FirstOrDefault();
                if (next.Instance is null)
                {
                    return _instances.Values.All(i => i.Completed);
                }

                var fireAt = new DateTimeOffset(DateTime.SpecifyKind(next.Timer.Value, DateTimeKind.Utc));
                if (fireAt > Clock.GetUtcNow())
                {
                    Clock.SkipTo(fireAt);
                }

                next.Instance.Timers.Remove(next.Timer.Key);
                next.Instance.Inbox.Add(new TimerFiredEvent(-1, next.Timer.Value) { TimerId = next.Timer.Key });
            }
        }
    }

    internal void Start(string name, string instanceId, string? input)
    {
        lock (_gate)
        {
            if (_instances.TryGetValue(instanceId, out var existing) && !existing.Completed)
            {
                throw new InvalidOperationException($"an orchestration with instance id '{instanceId}' is already running");
            }

            var instance = new Instance(name, instanceId, input, Clock.GetUtcNow());
            instance.Inbox.Add(new ExecutionStartedEvent(-1, input) { Name = name, Version = string.Empty, OrchestrationInstance = instance.Id });
            _instances[instanceId] = instance;
        }
    }

    internal void Raise(string instanceId, string name, string? payload)
    {
        lock (_gate)
        {
            if (_instances.TryGetValue(instanceId, out var instance) && !instance.Completed)
            {
                instance.Inbox.Add(new EventRaisedEvent(-1, payload) { Name = name });
            }
        }
    }

    internal InstanceView? View(string instanceId)
    {
        lock (_gate)
        {
            return _instances.TryGetValue(instanceId, out var instance) ? instance.View() : null;
        }
    }

    internal List<HistoryEvent>? History(string instanceId)
    {
        lock (_gate)
        {
            return _instances.TryGetValue(instanceId, out var instance) ? [.. instance.History] : null;
        }
    }

    internal List<InstanceView> Views()
    {
        lock (_gate)
        {
            return [.. _instances.Values.Select(i => i.View())];
        }
    }

    private void RunEpisode(Instance instance)
    {
        List<HistoryEvent> arrived;
        lock (_gate)
        {
            arrived = [.. instance.Inbox];
            instance.Inbox.Clear();
        }

        var state = new OrchestrationRuntimeState([.. instance.History]);
        state.AddEvent(new OrchestratorStartedEvent(-1) { Timestamp = Clock.GetUtcNow().UtcDateTime });
        foreach (var e in arrived)
        {
            state.AddEvent(e);
        }

        var orchestration = _shims.CreateOrchestration(instance.Name, _tasks.Orchestrator());
        var result = new TaskOrchestrationExecutor(state, orchestration, BehaviorOnContinueAsNew.Carryover, ErrorPropagationMode.UseFailureDetails).Execute();
        lock (_gate)
        {
            if (result.Actions.OfType<OrchestrationCompleteOrchestratorAction>().FirstOrDefault(a => a.OrchestrationStatus == OrchestrationStatus.ContinuedAsNew) is { } next)
            {
                // A fresh history, as the backends start one: what the old one scheduled is dropped.
                instance.ContinueAsNew(next.Result, next.CarryoverEvents, Clock.GetUtcNow());
                return;
            }

            instance.History.AddRange(state.NewEvents);
            instance.CustomStatus = result.CustomStatus;
            instance.Status = OrchestrationStatus.Running;
            instance.LastUpdated = Clock.GetUtcNow();
            foreach (var action in result.Actions)
            {
                Apply(instance, action);
            }

            instance.History.Add(new OrchestratorCompletedEvent(-1));
        }
    }

    private void Apply(Instance instance, OrchestratorAction action)
    {
        switch (action)
        {
            case ScheduleTaskOrchestratorAction task:
                instance.History.Add(new TaskScheduledEvent(task.Id) { Name = task.Name, Version = task.Version, Input = task.Input });
                instance.Activities[task.Id] = RunActivityAsync(instance.Id, task);
                break;
            case CreateTimerOrchestratorAction timer:
                instance.History.Add(new TimerCreatedEvent(timer.Id) { FireAt = timer.FireAt });
                instance.Timers[timer.Id] = timer.FireAt;
                break;
            case OrchestrationCompleteOrchestratorAction complete:
                instance.History.Add(new ExecutionCompletedEvent(complete.Id, complete.Result, complete.OrchestrationStatus, complete.FailureDetails));
                instance.Status = complete.OrchestrationStatus;
                instance.Output = complete.Result;
                instance.Failure = complete.FailureDetails;
                instance.Timers.Clear();
                break;
            default:
                throw new NotSupportedException($"the virtual-time hub does not run {action.GetType().Name}");
        }
    }

    private Task<HistoryEvent> RunActivityAsync(OrchestrationInstance instance, ScheduleTaskOrchestratorAction task) => Task.Run<HistoryEvent>(async () =>
    {
        if (task.Name is null || !_tasks.ActivityNames.Contains(task.Name))
        {
            return new TaskFailedEvent(-1, task.Id, $"no activity named '{task.Name}'", null, new FailureDetails(new InvalidOperationException($"no activity named '{task.Name}'")));
        }

        try
        {
            var result = await _shims.CreateActivity(task.Name, _tasks.Activity(task.Name)).RunAsync(new TaskContext(instance), task.Input);
            return new TaskCompletedEvent(-1, task.Id, result);
        }
        catch (Exception e)
        {
            var failure = new FailureDetails(e is DurableTask.Core.Exceptions.TaskFailureException { InnerException: { } inner } ? inner : e);
            return new TaskFailedEvent(-1, task.Id, failure.ErrorMessage, null, failure);
        }
    });

    /// <summary>An instance as the client reads it.</summary>
    internal sealed record InstanceView(string Name, string InstanceId, OrchestrationStatus Status, DateTimeOffset Created, DateTimeOffset LastUpdated, string? Input, string? Output, string? CustomStatus, FailureDetails? Failure);

    private sealed class Instance(string name, string instanceId, string? input, DateTimeOffset created)
    {
        private string? _input = input;

        public string Name { get; } = name;

        public OrchestrationInstance Id { get; private set; } = new() { InstanceId = instanceId, ExecutionId = Guid.NewGuid().ToString("N") };

        public List<HistoryEvent> History { get; } = [];

        public List<HistoryEvent> Inbox { get; } = [];

        public Dictionary<int, Task<HistoryEvent>> Activities { get; } = [];

        public Dictionary<int, DateTime> Timers { get; } = [];

        public OrchestrationStatus Status { get; set; } = OrchestrationStatus.Pending;

        public DateTimeOffset Created { get; } = created;

        public DateTimeOffset LastUpdated { get; set; } = created;

        public string? CustomStatus { get; set; }

        public string? Output { get; set; }

        public FailureDetails? Failure { get; set; }

        public bool Completed => Status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated;

        public void CollectFinishedActivities()
        {
            foreach (var (id, activity) in Activities.Where(a => a.Value.IsCompleted).ToList())
            {
                Activities.Remove(id);
                Inbox.Add(activity.Result);
            }
        }

        public InstanceView View() => new(Name, Id.InstanceId, Status, Created, LastUpdated, _input, Output, CustomStatus, Failure);

        /// <summary>Starts a new execution with <paramref name="next"/> as its input, keeping raised events not yet delivered.</summary>
        public void ContinueAsNew(string? next, IEnumerable<HistoryEvent>? carryover, DateTimeOffset now)
        {
            var raised = Inbox.OfType<EventRaisedEvent>().ToList();
            History.Clear();
            Activities.Clear();
            Timers.Clear();
            Inbox.Clear();
            _input = next;
            Id = new OrchestrationInstance { InstanceId = Id.InstanceId, ExecutionId = Guid.NewGuid().ToString("N") };
            Inbox.Add(new ExecutionStartedEvent(-1, next) { Name = Name, Version = string.Empty, OrchestrationInstance = Id });
            Inbox.AddRange(carryover ?? []);
            Inbox.AddRange(raised);
            Status = OrchestrationStatus.Running;
            LastUpdated = now;
        }
    }
}
