namespace Gale.Dags;

/// <summary>A task group as declared: its id (<c>outer.inner</c>), the prefix of its parent, and what it waits for.</summary>
internal sealed record TaskGroupInfo(string Id, string ParentPrefix, IReadOnlyList<string> After);

/// <summary>
/// Resolves the names a task or group waits for: a name is looked up in the scope where it was written, then in
/// each enclosing group, then at the top. A task name means that task; a group name means the group's last tasks
/// when waited for, and its first tasks when it waits.
/// </summary>
internal sealed class TaskGroupResolver(string dagId, IReadOnlyList<DagTask> tasks, IReadOnlyList<TaskGroupInfo> groups)
{
    private readonly HashSet<string> _taskIds = tasks.Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal);
    private readonly HashSet<string> _groupIds = groups.Select(g => g.Id).ToHashSet(StringComparer.Ordinal);

    // Scoped names are "{scope prefix}\u0001{name as written}".
    public IEnumerable<string> Resolve(string scopedName, string owner)
    {
        var split = scopedName.IndexOf('\u0001', StringComparison.Ordinal);
        var scope = split < 0 ? string.Empty : scopedName[..split];
        var name = split < 0 ? scopedName : scopedName[(split + 1)..];
        for (var prefix = scope; ; prefix = Parent(prefix))
        {
            var candidate = prefix + name;
            if (_taskIds.Contains(candidate) || _groupIds.Contains(candidate))
            {
                return Expand(candidate, owner, asUpstream: true);
            }

            if (prefix.Length == 0)
            {
                throw new DagValidationException(dagId, $"task '{owner}' has upstream '{name}', which is not a task of this DAG.");
            }
        }
    }

    /// <summary>A task id as itself; a group as its last tasks (upstream side) or first tasks (downstream side).</summary>
    public IEnumerable<string> Expand(string id, string owner, bool asUpstream)
    {
        if (_taskIds.Contains(id))
        {
            return [id];
        }

        if (_groupIds.Contains(id))
        {
            return asUpstream ? Leaves(id) : Roots(id);
        }

        throw new DagValidationException(dagId, $"task '{owner}' refers to '{id}', which is not a task or task group of this DAG.");
    }

    /// <summary>Tasks of the group (at any depth) that wait for nothing inside the group.</summary>
    public IEnumerable<string> Roots(string groupId)
    {
        var members = Members(groupId);
        return members.Where(t => !t.Upstream.Any(u => members.Any(m => References(u, m.TaskId)))).Select(t => t.TaskId).ToList();
    }

    /// <summary>Tasks of the group (at any depth) that nothing inside the group waits for.</summary>
    public IEnumerable<string> Leaves(string groupId)
    {
        var members = Members(groupId);
        return members.Where(t => !members.Any(m => m.Upstream.Any(u => References(u, t.TaskId)))).Select(t => t.TaskId).ToList();
    }

    private List<DagTask> Members(string groupId) => tasks.Where(t => t.TaskId.StartsWith(groupId + ".", StringComparison.Ordinal)).ToList();

    // Whether a scoped upstream name written inside a group refers to the given member (cheap, scope-local check).
    private static bool References(string scopedName, string taskId)
    {
        var split = scopedName.IndexOf('\u0001', StringComparison.Ordinal);
        var scope = split < 0 ? string.Empty : scopedName[..split];
        var name = split < 0 ? scopedName : scopedName[(split + 1)..];
        for (var prefix = scope; ; prefix = Parent(prefix))
        {
            if (prefix + name == taskId)
            {
                return true;
            }

            if (prefix.Length == 0)
            {
                return false;
            }
        }
    }

    private static string Parent(string prefix)
    {
        if (prefix.Length == 0)
        {
            return prefix;
        }

        var trimmed = prefix[..^1];
        var dot = trimmed.LastIndexOf('.');
        return dot < 0 ? string.Empty : trimmed[..(dot + 1)];
    }
}
