using Gale.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Engine;

/// <summary>
/// One process's engine: the run engine plus its task and control workers, wired to the given ports.
/// <c>gale serve</c>, the integration tests and the benchmarks all compose Gale through this class.
/// </summary>
public sealed class EngineHost : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _clock;
    private readonly IDisposable _queueDepth;
    private readonly SchedulerHost? _scheduling;
    private Task? _running;

    /// <summary>Wires an engine and its workers; with <paramref name="dagStates"/> also the scheduler.</summary>
    public EngineHost(IRunStore store, IDagRegistry dags, IMessageQueue tasks, IMessageQueue control, TaskServices services, TimeProvider clock, EngineOptions options, ILoggerFactory? loggers = null, IDagStateStore? dagStates = null, SchedulerOptions? schedulerOptions = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        _queueDepth = Gale.Telemetry.QueueDepthGauge.Track([("tasks", tasks), ("control", control)]);
        Engine = new RunEngine(store, dags, tasks, control, clock, options, loggers.CreateLogger<RunEngine>());
        Runner = new AttemptRunner(Engine, dags, tasks, services, loggers);
        Engine.DagCallbackContext = Runner.CreateDagCallbackContext;
        Tasks = new TaskWorker(Runner, tasks, options, clock, loggers.CreateLogger<TaskWorker>());
        Control = new ControlWorker(Engine, control, options, clock, loggers.CreateLogger<ControlWorker>()) { Triggers = new TriggerRunner(Engine, services, loggers) };
        Sweeper = new RunSweeper(Engine, store, loggers.CreateLogger<RunSweeper>());
        Engine.LocalSink = Tasks;
        Engine.XComs = services.XComs;
        if (dagStates is not null)
        {
            _scheduling = new SchedulerHost(Engine, dags, dagStates, services, clock, schedulerOptions, loggers);
        }

        _clock = clock;
    }

    /// <summary>The run engine.</summary>
    public RunEngine Engine { get; }

    /// <summary>The attempt runner.</summary>
    public AttemptRunner Runner { get; }

    /// <summary>The task-queue worker.</summary>
    public TaskWorker Tasks { get; }

    /// <summary>The control-queue worker.</summary>
    public ControlWorker Control { get; }

    /// <summary>The scheduler, when the host has DAG state storage.</summary>
    public Scheduler? Scheduler => _scheduling?.Scheduler;

    /// <summary>The asset watchers of the loaded DAGs, when the host has a scheduler.</summary>
    public Gale.Assets.Watchers.WatcherHost? Watchers => _scheduling?.Watchers;

    /// <summary>The periodic repair pass.</summary>
    public RunSweeper Sweeper { get; }

    /// <summary>Starts polling both queues, sweeping, and (when it has its own interval) the scheduler and watchers.</summary>
    public void Start()
    {
        if (_running is not null)
        {
            return;
        }

        var scheduling = _scheduling?.RunAsync(_stopping.Token) ?? Task.CompletedTask;
        _running = Task.WhenAll(
            Task.Run(() => Tasks.RunAsync(_stopping.Token)),
            Task.Run(() => Control.RunAsync(_stopping.Token)),
            Task.Run(() => SweepLoopAsync(_stopping.Token)),
            scheduling);
    }

    private async Task SweepLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Engine.Options.SweepInterval, _clock, stopping);
                await Sweeper.SweepAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Storage may be down; the next sweep tries again.
            }
        }
    }

    /// <summary>Stops polling; in-flight attempts are cancelled and released back to the queue (or finish if they ignore cancellation).</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        Tasks.Stop(); // also covers attempts started locally before polling began
        if (_running is not null)
        {
            await _running;
        }

        await Runner.Services.Slots.ReleaseIdleAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _queueDepth.Dispose();
        _stopping.Dispose();
        Tasks.Dispose();
    }
}
