using Gale.Assets;
using Gale.Assets.Watchers;
using Gale.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Scheduling;

/// <summary>
/// The scheduler and the asset watchers of the loaded DAGs, over whichever runtime runs the DAGs (<see cref="IDagRuns"/>).
/// A host with its own loop (<c>gale serve</c>) runs them with <see cref="RunAsync"/>; with an infinite
/// <see cref="SchedulerOptions.Interval"/> an outside timer (the Functions timer trigger) ticks them instead.
/// </summary>
public sealed class SchedulerHost
{
    private readonly TimeProvider _clock;

    /// <summary>Wires the scheduler and the watchers.</summary>
    public SchedulerHost(IDagRuns runs, IDagRegistry dags, IDagStateStore dagStates, TaskServices services, TimeProvider clock, SchedulerOptions? options = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(services);
        loggers ??= NullLoggerFactory.Instance;
        _clock = clock;
        Scheduler = new Scheduler(runs, dags, dagStates, runs, options ?? new SchedulerOptions(), loggers.CreateLogger<Scheduler>(), services.AssetQueue);
        var publisher = new AssetEventPublisher(services.AssetEvents, services.AssetQueue, dags);
        var runner = new WatcherRunner(publisher, services.Watermarks, new WatcherContext(services, clock), Scheduler.Options.SchedulerId, loggers.CreateLogger<WatcherRunner>());
        Watchers = new WatcherHost(dags, runner, loggers.CreateLogger<WatcherHost>());
    }

    /// <summary>The scheduler.</summary>
    public Scheduler Scheduler { get; }

    /// <summary>The asset watchers.</summary>
    public WatcherHost Watchers { get; }

    /// <summary>Ticks the scheduler every interval and polls the watchers every second until stopped (nothing when an outside timer drives them).</summary>
    public Task RunAsync(CancellationToken stopping) => Scheduler.Options.Interval == Timeout.InfiniteTimeSpan
        ? Task.CompletedTask
        : Task.WhenAll(Task.Run(() => TickAsync(stopping), CancellationToken.None), Task.Run(() => Watchers.RunAsync(TimeSpan.FromSeconds(1), stopping), CancellationToken.None));

    private async Task TickAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Scheduler.TickAsync(stopping);
                await Task.Delay(Scheduler.Options.Interval, _clock, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
