namespace Gale.Cleanup;

/// <summary>What a cleanup deletes.</summary>
public enum CleanupKind
{
    /// <summary>Every blob under a prefix of a container.</summary>
    BlobPrefix,

    /// <summary>A table.</summary>
    Table,

    /// <summary>A delete callback the DAG defines (<c>DagSettings.CleanupCallbacks</c>), by name.</summary>
    Callback,
}

/// <summary>A temporary artifact a task registered on its run, for the run's <c>cleanup</c> task to delete.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Target">The container (blob prefix), table name, or callback name.</param>
/// <param name="Prefix">For a blob prefix: the prefix.</param>
/// <param name="TaskId">The task that registered it.</param>
/// <param name="MapIndex">Its map index.</param>
/// <param name="Argument">For a callback: the argument it is called with.</param>
public sealed record CleanupItem(CleanupKind Kind, string Target, string? Prefix, string TaskId, int MapIndex = -1, string? Argument = null)
{
    /// <summary>How the item reads in logs and errors.</summary>
    public override string ToString() => Kind switch
    {
        CleanupKind.BlobPrefix => $"blobs {Target}/{Prefix}*",
        CleanupKind.Table => $"table {Target}",
        _ => $"callback {Target}({Argument})",
    };
}

/// <summary>Port: the artifacts registered on each run. Azure: the <c>cleanup</c> table, one partition per run.</summary>
public interface ICleanupRegistry
{
    /// <summary>Records <paramref name="item"/> on the run (idempotent for the same item).</summary>
    Task RegisterAsync(Gale.Runs.RunKey run, CleanupItem item, CancellationToken cancellationToken = default);

    /// <summary>Everything registered on the run.</summary>
    Task<IReadOnlyList<CleanupItem>> ListAsync(Gale.Runs.RunKey run, CancellationToken cancellationToken = default);
}

/// <summary>Port: deletes blob prefixes and tables. Azure: the storage account.</summary>
public interface IArtifactStore
{
    /// <summary>Deletes every blob under <paramref name="prefix"/>; returns how many.</summary>
    Task<int> DeleteBlobPrefixAsync(string container, string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes a table; false when it did not exist.</summary>
    Task<bool> DeleteTableAsync(string table, CancellationToken cancellationToken = default);
}
