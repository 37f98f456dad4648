using Gale.Dags;
using Gale.InMemory;
using Gale.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Engine;

/// <summary>The outcome of <see cref="DagTestRunner"/>: the run and its task instances at the end.</summary>
/// <param name="Snapshot">The final snapshot.</param>
/// <param name="Stuck">True when the run could not finish (nothing left to run, no timer pending).</param>
/// <param name="Services">The XComs, logs and rendered fields the run's tasks left.</param>
public sealed record DagTestResult(RunSnapshot Snapshot, bool Stuck, TaskServices Services)
{
    /// <summary>The XComs the run's tasks pushed.</summary>
    public Gale.Execution.IXComStore XComs => Services.XComs;
}

/// <summary>Options of <see cref="DagTestRunner"/>.</summary>
public sealed record DagTestOptions
{
    /// <summary>Where task output goes besides the in-memory logs.</summary>
    public ILoggerFactory? Loggers { get; init; }

    /// <summary>Variables, connections, logs and XComs (default: all in memory, settings from the environment).</summary>
    public TaskServices? Services { get; init; }

    /// <summary>Other DAGs the run may trigger (<c>trigger_dagrun</c>); their runs execute in the same test.</summary>
    public IDagRegistry? Dags { get; init; }
}

/// <summary>
/// Runs one DAG run in-process on the in-memory store (Airflow's <c>dags test</c>): the same engine, decision
/// function and attempt runner as a real deployment, driven step by step; durable timers fire by skipping the clock
/// when nothing is running.
/// </summary>
public static class DagTestRunner
{
    /// <summary>Runs <paramref name="dag"/> once and returns the final snapshot.</summary>
    public static async Task<DagTestResult> RunAsync(Dag dag, DagRun run, DagTestOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(run);
        options ??= new DagTestOptions();
        var loggers = options.Loggers ?? NullLoggerFactory.Instance;
        var services = options.Services ?? new TaskServices();
        var dags = options.Dags ?? new DagBag([dag]);
        var clock = new SkippingTimeProvider();
        var tasks = new InMemoryMessageQueue("tasks", clock);
        var control = new InMemoryMessageQueue("control", clock);
        var engineOptions = new EngineOptions { WorkerId = "dags-test", RunReadyTasksLocally = false, Lease = TimeSpan.FromHours(1) };
        var engine = new RunEngine(new InMemoryRunStore(), dags, tasks, control, clock, engineOptions, loggers.CreateLogger<RunEngine>());
        engine.XComs = services.XComs;
        var runner = new AttemptRunner(engine, dags, tasks, services, loggers);
        engine.DagCallbackContext = runner.CreateDagCallbackContext;
        runner.Launcher = new RunLauncher(engine, dags, startImmediately: true); // no scheduler here
        var controlWorker = new ControlWorker(engine, control, engineOptions, clock, loggers.CreateLogger<ControlWorker>()) { Triggers = new TriggerRunner(engine, services, loggers) };

        var (snapshot, _) = await engine.CreateRunAsync(dag, run, start: true, cancellationToken);
        var running = new List<Task>();
        while (!snapshot.Run.State.IsFinished())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var events = await control.ReceiveAsync(32, engineOptions.Lease, cancellationToken);
            if (events.Count > 0)
            {
                await controlWorker.ProcessAsync(events, cancellationToken);
            }

            // Attempts run concurrently, so one that waits for another run (trigger_dagrun) does not block it.
            var free = engineOptions.TaskConcurrency - running.Count;
            var attempts = free > 0 ? await tasks.ReceiveAsync(free, engineOptions.Lease, cancellationToken) : [];
            running.AddRange(attempts.Select(a => runner.RunAsync(a, cancellationToken)));
            foreach (var done in running.Where(t => t.IsCompleted).ToList())
            {
                await done;
                running.Remove(done);
            }

            snapshot = (await engine.LoadAsync(run.Key, cancellationToken))!;
            if (events.Count > 0 || attempts.Count > 0 || snapshot.Run.State.IsFinished())
            {
                continue;
            }

            if (running.Count > 0)
            {
                await Task.WhenAny([.. running, Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken)]);
                continue;
            }

            var next = new[] { tasks.NextVisibleAt, control.NextVisibleAt }.Where(t => t is not null).Min();
            if (next is null)
            {
                if (tasks.Count > 0 || control.Count > 0)
                {
                    continue; // an attempt that finished after this turn's receive queued more work, visible now
                }

                return new DagTestResult(snapshot, Stuck: true, services);
            }

            clock.SkipTo(next.Value);
        }

        await Task.WhenAll(running);
        return new DagTestResult(snapshot, Stuck: false, services);
    }
}
