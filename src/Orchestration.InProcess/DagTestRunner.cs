using Gale.Dags;
using Gale.Engine;
using Gale.InMemory;
using Gale.Runs;

namespace Gale.Orchestration.InProcess;

/// <summary>
/// Airflow's <c>dags test</c>: one DAG run in this process, as the same <see cref="Runs.DagRunOrchestrator"/> and
/// activities a deployment runs, on a <see cref="VirtualTimeTaskHub"/> (no storage; durable timers fire as soon as
/// nothing else can run, so retry delays and sensor pokes take no wall time). Runs the DAG triggers
/// (<c>trigger_dagrun</c>) execute in the same test.
/// </summary>
public static class DagTestRunner
{
    /// <summary>Runs <paramref name="dag"/> once and returns the final snapshot.</summary>
    public static async Task<DagTestResult> RunAsync(Dag dag, DagRun run, DagTestOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(run);
        options ??= new DagTestOptions();
        var services = options.Services ?? new TaskServices();
        var dags = options.Dags ?? new DagBag([dag]);
        var hub = new VirtualTimeTaskHub(dags, services, new SkippingTimeProvider(), "dags-test", options.Loggers);
        await hub.Runs.CreateRunAsync(dag, run, start: true, cancellationToken);
        await hub.RunUntilIdleAsync(cancellationToken);
        var snapshot = await hub.Runs.LoadAsync(run.Key, cancellationToken) ?? throw new InvalidOperationException($"run {run.Key} vanished");
        return new DagTestResult(snapshot, Stuck: !snapshot.Run.State.IsFinished(), services);
    }
}
