namespace Gale.Runs;

/// <summary>Identifies a DAG run.</summary>
public readonly record struct RunKey(string DagId, string RunId)
{
    /// <inheritdoc />
    public override string ToString() => $"{DagId}/{RunId}";
}

/// <summary>Identifies a task instance within a run: task id and map index (-1 when unmapped).</summary>
public readonly record struct TaskInstanceKey(string TaskId, int MapIndex = -1) : IComparable<TaskInstanceKey>
{
    /// <inheritdoc />
    public int CompareTo(TaskInstanceKey other)
    {
        var byTask = string.CompareOrdinal(TaskId, other.TaskId);
        return byTask != 0 ? byTask : MapIndex.CompareTo(other.MapIndex);
    }

    /// <inheritdoc />
    public override string ToString() => MapIndex < 0 ? TaskId : $"{TaskId}[{MapIndex}]";
}
