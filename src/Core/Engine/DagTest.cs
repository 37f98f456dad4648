using Gale.Runs;
using Microsoft.Extensions.Logging;

namespace Gale.Engine;

/// <summary>The outcome of a <c>dags test</c> run: the run and its task instances at the end.</summary>
/// <param name="Snapshot">The final snapshot.</param>
/// <param name="Stuck">True when the run could not finish (nothing left to run, no timer pending).</param>
/// <param name="Services">The XComs, logs and rendered fields the run's tasks left.</param>
public sealed record DagTestResult(RunSnapshot Snapshot, bool Stuck, TaskServices Services)
{
    /// <summary>The XComs the run's tasks pushed.</summary>
    public Gale.Execution.IXComStore XComs => Services.XComs;
}

/// <summary>Options of a <c>dags test</c> run.</summary>
public sealed record DagTestOptions
{
    /// <summary>Where task output goes besides the in-memory logs.</summary>
    public ILoggerFactory? Loggers { get; init; }

    /// <summary>Variables, connections, logs and XComs (default: all in memory, settings from the environment).</summary>
    public TaskServices? Services { get; init; }

    /// <summary>Other DAGs the run may trigger (<c>trigger_dagrun</c>); their runs execute in the same test.</summary>
    public IDagRegistry? Dags { get; init; }
}
