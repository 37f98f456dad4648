namespace Gale.Storage;

/// <summary>The tables, queues and blob containers Gale keeps in its storage account (DESIGN.md section 3).</summary>
public static class GaleStorageLayout
{
    /// <summary>Tables: DAGs, runs, task instances, XComs, rendered template fields, variables, asset events, per-DAG asset queues and triggering events, watermarks, pools, the run history, custom triggers' state and cleanup registrations.</summary>
    public static IReadOnlyList<string> Tables { get; } = ["dags", "runs", "taskinstances", "xcom", "rendered", "variables", "assetevents", "assetqueue", "runassetevents", "watermarks", "pools", "history", "triggerstate", "cleanup"];

    /// <summary>Queues: run events (<c>control</c>) and task attempts (<c>tasks</c>), and their poison queues (messages that can never be processed).</summary>
    public static IReadOnlyList<string> Queues { get; } = ["control", "tasks", "control-poison", "tasks-poison"];

    /// <summary>Blob containers: large XCom values, task logs and YAML DAG files.</summary>
    public static IReadOnlyList<string> Containers { get; } = ["xcom", "logs", "dags"];

    /// <summary>Creates every table, queue and container that does not exist yet; safe to run at every start.</summary>
    public static async Task EnsureCreatedAsync(StorageAccountClient account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        var work = Tables.Select(t => (Task)account.GetTableClient(t).CreateIfNotExistsAsync(cancellationToken))
            .Concat(Queues.Select(q => (Task)account.GetQueueClient(q).CreateIfNotExistsAsync(cancellationToken: cancellationToken)))
            .Concat(Containers.Select(c => (Task)account.GetBlobContainerClient(c).CreateIfNotExistsAsync(cancellationToken: cancellationToken)));
        await Task.WhenAll(work);
    }
}
