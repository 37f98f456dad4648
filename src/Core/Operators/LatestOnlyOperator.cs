using Gale.Execution;
using Gale.Scheduling;
using Gale.Timetables;
using Microsoft.Extensions.Logging;

namespace Gale.Operators;

/// <summary>
/// Runs its downstream tasks only in the latest scheduled run (Airflow's LatestOnlyOperator): in older runs, e.g.
/// during catchup or a backfill, its direct downstream tasks are skipped. Manual runs always proceed.
/// </summary>
public sealed partial class LatestOnlyOperator : ITaskOperator
{
    /// <inheritdoc />
    public string OperatorName => "latest_only";

    /// <inheritdoc />
    public ValueTask<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var verdict = LatestRun.Decide(context.Timetable, context.RunType, new DataInterval(context.DataIntervalStart, context.DataIntervalEnd), context.Clock.GetUtcNow());
        LogVerdict(context.Log, verdict.Reason);
        if (!verdict.IsLatest)
        {
            context.Follow([]);
        }

        return ValueTask.FromResult<object?>(null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Reason}")]
    private static partial void LogVerdict(ILogger log, string reason);
}
