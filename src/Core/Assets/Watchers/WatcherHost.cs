using Gale.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Assets.Watchers;

/// <summary>
/// Polls the watchers of the loaded DAGs, each on its own interval (again at once while it keeps finding changes).
/// Several hosts may poll the same watcher: the watermark's ETag makes them agree on every change exactly once.
/// </summary>
/// <param name="dags">The DAGs whose watchers run here.</param>
/// <param name="runner">Runs one watcher cycle.</param>
/// <param name="log">Logs.</param>
public sealed partial class WatcherHost(IDagRegistry dags, WatcherRunner runner, ILogger? log = null)
{
    private readonly ILogger _log = log ?? NullLogger.Instance;
    private readonly Dictionary<string, DateTimeOffset> _due = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    /// <summary>The runner (Event Hubs batches are pushed through it).</summary>
    public WatcherRunner Runner => runner;

    /// <summary>
    /// Every watcher of the loaded DAGs. A name declared by two DAGs is not polled (it would mix two sources in one
    /// watermark) and is logged until one of the declarations is renamed.
    /// </summary>
    public IReadOnlyList<AssetWatcher> Watchers
    {
        get
        {
            var entries = WatcherCatalog.From(dags.Dags);
            foreach (var clash in entries.Where(e => e.DagIds.Count > 1 && _reported.Add(e.Watcher.Name)))
            {
                LogClash(_log, clash.Watcher.Name, string.Join(", ", clash.DagIds));
            }

            return [.. entries.Where(e => e.DagIds.Count == 1).Select(e => e.Watcher)];
        }
    }

    /// <summary>Polls every watcher whose interval has passed; a failing watcher is logged and tried again next interval.</summary>
    /// <returns>The changes found.</returns>
    public async Task<int> PollDueAsync(CancellationToken cancellationToken = default)
    {
        var found = 0;
        var now = runner.Context.Clock.GetUtcNow();
        foreach (var watcher in Watchers.Where(w => w.PollInterval != Timeout.InfiniteTimeSpan))
        {
            if (_due.TryGetValue(watcher.Name, out var due) && due > now)
            {
                continue;
            }

            try
            {
                var cycle = await runner.PollOnceAsync(watcher, cancellationToken);
                found += cycle.Changes;

                // Keep going at once while there is more (a capped poll); otherwise wait for the interval.
                _due[watcher.Name] = cycle.Changes > 0 ? now : now + watcher.PollInterval;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _due[watcher.Name] = now + watcher.PollInterval;
                LogFailed(_log, watcher.Name, e.Message);
            }
        }

        return found;
    }

    /// <summary>Polls until <paramref name="stopping"/> fires.</summary>
    public async Task RunAsync(TimeSpan tick, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (await PollDueAsync(stopping) == 0)
                {
                    await Task.Delay(tick, runner.Context.Clock, stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Watcher {Watcher} is declared by DAGs {DagIds}; it is not polled until it has one declaration")]
    private static partial void LogClash(ILogger logger, string watcher, string dagIds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watcher {Watcher} failed this poll: {Error}")]
    private static partial void LogFailed(ILogger logger, string watcher, string error);
}
