namespace Gale.Assets;

/// <summary>
/// A piece of data DAGs produce and consume (Airflow's Asset, formerly Dataset): identified by its URI, with a name
/// (default: the URI), a group (default <c>asset</c>) and extra metadata.
/// </summary>
/// <param name="Uri">The identity, e.g. <c>wasb://landing/sales/</c> or <c>s3://bucket/key</c>.</param>
/// <param name="Name">The name people use; expressions may refer to an asset by name or URI.</param>
/// <param name="Group">The group.</param>
public sealed record Asset(string Uri, string? Name = null, string Group = "asset")
{
    /// <summary>Extra metadata.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    /// <summary>The name, or the URI when none was given.</summary>
    public string DisplayName => Name ?? Uri;
}

/// <summary>Where an asset event came from.</summary>
public enum AssetEventSource
{
    /// <summary>A task that declared the asset as an outlet succeeded.</summary>
    Task,

    /// <summary>An asset watcher saw a change.</summary>
    Watcher,

    /// <summary>Someone posted it (API or <c>gale assets emit</c>).</summary>
    Api,
}

/// <summary>
/// Something happened to an asset. <see cref="Id"/> is derived from the source and the change it covers, so the same
/// change emitted twice is stored once.
/// </summary>
/// <param name="Id">Deterministic id.</param>
/// <param name="AssetUri">The asset.</param>
/// <param name="Source">Who emitted it.</param>
/// <param name="Timestamp">When.</param>
public sealed record AssetEvent(string Id, string AssetUri, AssetEventSource Source, DateTimeOffset Timestamp)
{
    /// <summary>Extra payload (JSON object).</summary>
    public string Extra { get; init; } = "{}";

    /// <summary>For a task event: the DAG, run, task and map index that produced it.</summary>
    public string? SourceDagId { get; init; }

    /// <summary>For a task event: the run.</summary>
    public string? SourceRunId { get; init; }

    /// <summary>For a task event: the task.</summary>
    public string? SourceTaskId { get; init; }

    /// <summary>For a task event: the map index.</summary>
    public int SourceMapIndex { get; init; } = -1;

    /// <summary>For a watcher event: the watcher's name.</summary>
    public string? Watcher { get; init; }
}
