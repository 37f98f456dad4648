using System.Globalization;

namespace Gale.Logs;

/// <summary>Identifies one try's log: the task instance and the try number.</summary>
/// <param name="DagId">The DAG.</param>
/// <param name="RunId">The run.</param>
/// <param name="TaskId">The task.</param>
/// <param name="MapIndex">The map index (-1 when unmapped).</param>
/// <param name="TryNumber">The try, from 1.</param>
public sealed record TaskLogKey(string DagId, string RunId, string TaskId, int MapIndex, int TryNumber)
{
    /// <summary>The log's path, Airflow's default log file template: <c>dag_id=…/run_id=…/task_id=…/[map_index=…/]attempt=N.log</c>.</summary>
    public string Path => $"{Folder(DagId, RunId, TaskId, MapIndex)}attempt={TryNumber.ToString(CultureInfo.InvariantCulture)}.log";

    /// <summary>The folder holding every try's log of one task instance (ends with <c>/</c>).</summary>
    public static string Folder(string dagId, string runId, string taskId, int mapIndex) =>
        $"dag_id={dagId}/run_id={runId}/task_id={taskId}/{(mapIndex >= 0 ? $"map_index={mapIndex.ToString(CultureInfo.InvariantCulture)}/" : string.Empty)}";
}
