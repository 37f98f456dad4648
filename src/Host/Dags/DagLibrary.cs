using Azure.Storage.Blobs;
using Gale.Dags;
using Gale.Engine;
using Gale.Storage.Engine;

namespace Gale.Host.Dags;

/// <summary>
/// The DAGs a serving host knows, reloaded while it runs (Airflow's DAG processor): C# DAGs compiled in, YAML
/// files in the DAGs folder and in the <c>dags</c> blob container. A refresh swaps the whole bag at once, so a
/// reader sees either the old set or the new one; when a source cannot be read, the previous DAGs stay.
/// </summary>
public sealed partial class DagLibrary : IDagRegistry
{
    private readonly string? _folder;
    private readonly BlobContainerClient? _blobs;
    private readonly ILogger _log;
    private readonly Dictionary<string, (Azure.ETag ETag, Dag? Dag, DagImportError? Error)> _blobCache = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Loaded _current = new(new DagBag([]), []);

    private sealed record Loaded(DagBag Bag, IReadOnlyList<DagImportError> Errors);

    private DagLibrary(string? folder, BlobContainerClient? blobs, ILogger log)
    {
        _folder = folder;
        _blobs = blobs;
        _log = log;
    }

    /// <summary>Loads the DAGs of <paramref name="folder"/> and <paramref name="blobs"/> (either may be null).</summary>
    public static async Task<DagLibrary> LoadAsync(string? folder, BlobContainerClient? blobs, ILogger? log = null, CancellationToken cancellationToken = default)
    {
        var library = new DagLibrary(folder, blobs, log ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await library.RefreshAsync(cancellationToken);
        return library;
    }

    /// <inheritdoc />
    public IReadOnlyCollection<Dag> Dags => _current.Bag.Dags;

    /// <summary>The DAG files and types that failed to load at the last refresh.</summary>
    public IReadOnlyList<DagImportError> ImportErrors => _current.Errors;

    /// <inheritdoc />
    public Dag? Find(string dagId) => _current.Bag.Find(dagId);

    /// <summary>Reloads every source; returns what changed (ids added and removed, import errors before and after).</summary>
    /// <exception cref="Azure.RequestFailedException">The blob container could not be read; the previous DAGs stay.</exception>
    public async Task<DagLibraryChange> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var fromBlobs = _blobs is null ? ((IReadOnlyList<Dag>, IReadOnlyList<DagImportError>)?)null : await BlobDagSource.LoadAsync(_blobs, cancellationToken, _blobCache);
            var (bag, errors) = DagDiscovery.LoadAll(_folder, fromBlobs);
            var before = _current;
            _current = new Loaded(bag, errors);
            var change = new DagLibraryChange(
                [.. bag.Dags.Select(d => d.DagId).Except(before.Bag.Dags.Select(d => d.DagId), StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                [.. before.Bag.Dags.Select(d => d.DagId).Except(bag.Dags.Select(d => d.DagId), StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                before.Errors.Count,
                errors.Count);
            return change;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Refreshes every <paramref name="interval"/> until <paramref name="cancellationToken"/> is cancelled, logging changes and failures.</summary>
    public async Task RunAsync(TimeSpan interval, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clock);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, clock, cancellationToken);
                var change = await RefreshAsync(cancellationToken);
                if (change.Added.Count > 0 || change.Removed.Count > 0 || change.ErrorsBefore != change.ErrorsAfter)
                {
                    LogChanged(_log, Dags.Count, string.Join(", ", change.Added), string.Join(", ", change.Removed), change.ErrorsAfter);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Azure.RequestFailedException e)
            {
                LogRefreshFailed(_log, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "DAGs reloaded: {Count} DAGs; added [{Added}], removed [{Removed}]; {Errors} import errors")]
    private static partial void LogChanged(ILogger log, int count, string added, string removed, int errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DAG refresh failed; keeping the DAGs loaded before: {Reason}")]
    private static partial void LogRefreshFailed(ILogger log, string reason);
}

/// <summary>What a <see cref="DagLibrary.RefreshAsync"/> changed.</summary>
/// <param name="Added">DAG ids that appeared.</param>
/// <param name="Removed">DAG ids that disappeared.</param>
/// <param name="ErrorsBefore">Import errors before the refresh.</param>
/// <param name="ErrorsAfter">Import errors after it.</param>
public sealed record DagLibraryChange(IReadOnlyList<string> Added, IReadOnlyList<string> Removed, int ErrorsBefore, int ErrorsAfter);
