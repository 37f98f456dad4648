namespace Gale.Storage;

/// <summary>The tables, queues and blob containers Gale keeps in its storage account (DESIGN.md section 3).</summary>
public static class GaleStorageLayout
{
    /// <summary>
    /// Tables: DAGs, XComs, rendered template fields, variables, asset events, per-DAG asset queues and triggering
    /// events, watermarks, pools and slots, custom triggers' state and cleanup registrations. Runs, their task
    /// instances and their history live in the Durable Task hub's own tables and queues.
    /// </summary>
    public static IReadOnlyList<string> Tables { get; } = ["dags", "xcom", "rendered", "variables", "assetevents", "assetqueue", "runassetevents", "watermarks", "pools", "triggerstate", "cleanup"];

    /// <summary>Blob containers: large XCom values, task logs and YAML DAG files.</summary>
    public static IReadOnlyList<string> Containers { get; } = ["xcom", "logs", "dags"];

    /// <summary>Creates every table and container that does not exist yet; safe to run at every start.</summary>
    public static async Task EnsureCreatedAsync(StorageAccountClient account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        var work = Tables.Select(t => (Task)account.GetTableClient(t).CreateIfNotExistsAsync(cancellationToken))
            .Concat(Containers.Select(c => (Task)account.GetBlobContainerClient(c).CreateIfNotExistsAsync(cancellationToken: cancellationToken)));
        await Task.WhenAll(work);
    }
}
