using Gale.Dags;
using Gale.InMemory;
using Gale.Runs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Engine;

/// <summary>The outcome of <see cref="DagTestRunner"/>: the run and its task instances at the end.</summary>
/// <param name="Snapshot">The final snapshot.</param>
/// <param name="Stuck">True when the run could not finish (nothing left to run, no timer pending).</param>
/// <param name="XComs">The XComs the run's tasks pushed.</param>
public sealed record DagTestResult(RunSnapshot Snapshot, bool Stuck, Gale.Execution.IXComStore XComs);

/// <summary>
/// Runs one DAG run in-process on the in-memory store (Airflow's <c>dags test</c>): the same engine, decision
/// function and attempt runner as a real deployment, driven step by step; durable timers fire by skipping the clock.
/// </summary>
public static class DagTestRunner
{
    /// <summary>Runs <paramref name="dag"/> once and returns the final snapshot.</summary>
    public static async Task<DagTestResult> RunAsync(Dag dag, DagRun run, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(run);
        loggers ??= NullLoggerFactory.Instance;
        var clock = new SkippingTimeProvider();
        var tasks = new InMemoryMessageQueue("tasks", clock);
        var control = new InMemoryMessageQueue("control", clock);
        var options = new EngineOptions { WorkerId = "dags-test", RunReadyTasksLocally = false, Lease = TimeSpan.FromHours(1) };
        var engine = new RunEngine(new InMemoryRunStore(), new DagBag([dag]), tasks, control, clock, options, loggers.CreateLogger<RunEngine>());
        var xcoms = new InMemoryXComStore();
        var runner = new AttemptRunner(engine, new DagBag([dag]), tasks, xcoms, loggers);
        var controlWorker = new ControlWorker(engine, control, options, clock, loggers.CreateLogger<ControlWorker>());

        var (snapshot, _) = await engine.CreateRunAsync(dag, run, start: true, cancellationToken);
        while (!snapshot.Run.State.IsFinished())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var events = await control.ReceiveAsync(32, options.Lease, cancellationToken);
            if (events.Count > 0)
            {
                await controlWorker.ProcessAsync(events, cancellationToken);
            }

            var attempts = await tasks.ReceiveAsync(options.TaskConcurrency, options.Lease, cancellationToken);
            await Task.WhenAll(attempts.Select(a => runner.RunAsync(a, cancellationToken)));

            snapshot = (await engine.LoadAsync(run.Key, cancellationToken))!;
            if (events.Count == 0 && attempts.Count == 0 && !snapshot.Run.State.IsFinished())
            {
                var next = new[] { tasks.NextVisibleAt, control.NextVisibleAt }.Where(t => t is not null).Min();
                if (next is null)
                {
                    return new DagTestResult(snapshot, Stuck: true, xcoms);
                }

                clock.SkipTo(next.Value);
            }
        }

        return new DagTestResult(snapshot, Stuck: false, xcoms);
    }
}
