using Gale.Cleanup;
using Gale.Execution;
using Gale.Triggers;
using Microsoft.Extensions.Logging;

namespace Gale.Operators;

/// <summary>
/// The run's async cleanup task: it needs no edges. It defers until every other task of the run (or the listed
/// ones) has finished, whatever the outcome, then deletes what tasks registered on the run (blob prefixes, tables,
/// delete callbacks), even when the run failed. A succeeded cleanup leaves the run's outcome as it is; a deletion
/// that fails fails the cleanup task, and so the run.
/// </summary>
public sealed partial class CleanupOperator(IReadOnlyList<string>? waitFor = null) : ITaskOperator
{
    /// <inheritdoc />
    public string OperatorName => "cleanup";

    /// <summary>The tasks it waits for; null: every other task of the DAG but cleanup tasks.</summary>
    public IReadOnlyList<string>? WaitFor => waitFor;

    /// <inheritdoc />
    public async ValueTask<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.NextMethod is null)
        {
            var others = (waitFor ?? context.OtherTaskIds).Where(id => id != context.TaskId).ToList(); // never wait for itself
            context.Defer(new RunTasksFinishedTrigger { TaskIds = others });
        }

        var cleanup = context.Cleanup ?? throw new InvalidOperationException("cleanup needs a cleanup registry");
        var items = await cleanup.Registry.ListAsync(new Gale.Runs.RunKey(context.DagId, context.RunId), context.CancellationToken);
        var failures = new List<string>();
        var deleted = new List<string>();
        foreach (var item in items)
        {
            try
            {
                switch (item.Kind)
                {
                    case CleanupKind.BlobPrefix:
                        var count = await cleanup.Artifacts.DeleteBlobPrefixAsync(item.Target, item.Prefix ?? string.Empty, context.CancellationToken);
                        LogDeleted(context.Log, item.ToString(), count);
                        break;
                    case CleanupKind.Table:
                        await cleanup.Artifacts.DeleteTableAsync(item.Target, context.CancellationToken);
                        LogDeleted(context.Log, item.ToString(), 1);
                        break;
                    case CleanupKind.Callback:
                        var callback = context.CleanupCallbacks.GetValueOrDefault(item.Target) ?? throw new InvalidOperationException($"the DAG has no cleanup callback '{item.Target}'");
                        await callback(context, item.Argument);
                        LogDeleted(context.Log, item.ToString(), 1);
                        break;
                }

                deleted.Add(item.ToString());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures.Add($"{item}: {e.Message}");
            }
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"cleanup could not delete {failures.Count} of {items.Count}: {string.Join("; ", failures)}");
        }

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Item} ({Count})")]
    private static partial void LogDeleted(ILogger logger, string item, int count);
}
