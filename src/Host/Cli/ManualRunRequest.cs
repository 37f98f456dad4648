using Gale.Dags;
using Gale.Engine;
using Gale.Runs;

namespace Gale.Host.Cli;

/// <summary>The options every command that starts a manual run shares: which DAG, its logical date and conf.</summary>
internal static class ManualRunRequest
{
    /// <summary>Finds the DAG or explains why not (load error, or the list of known DAGs).</summary>
    public static Dag? FindDag(DagBag bag, IReadOnlyList<DagImportError> errors, string dagId, out string? error)
    {
        error = null;
        var dag = bag.Find(dagId);
        if (dag is not null)
        {
            return dag;
        }

        var broken = errors.FirstOrDefault(e => e.DagId == dagId || e.Source.Contains(dagId, StringComparison.OrdinalIgnoreCase) || e.Error.Contains($"'{dagId}'", StringComparison.Ordinal));
        error = broken is not null
            ? $"DAG '{dagId}' failed to load: {broken.Error}"
            : $"no DAG '{dagId}'. Known DAGs: {string.Join(", ", bag.Dags.Select(d => d.DagId).Order(StringComparer.Ordinal))}.";
        return null;
    }

    /// <summary>Builds the manual run from <c>--logical-date</c> (default: now, whole seconds), <c>--conf</c> and <c>--run-id</c>.</summary>
    public static DagRun? Create(Dag dag, string? logicalDateText, string? confText, string? runId, out string? error)
    {
        error = null;
        DateTimeOffset? logicalDate = null;
        if (logicalDateText is not null)
        {
            try
            {
                // Without an offset the date is read in the DAG's time zone, as start_date is.
                logicalDate = Gale.Timetables.TimetableParser.ParseDate(logicalDateText, Gale.Timetables.TimetableParser.Zone(dag.Settings.Timezone));
            }
            catch (FormatException)
            {
                error = $"--logical-date: '{logicalDateText}' is not an ISO 8601 date or date-time.";
                return null;
            }
        }

        var (run, problems) = ManualRuns.Create(dag, logicalDate, confText, runId, DateTimeOffset.UtcNow);
        if (run is null)
        {
            error = $"--conf does not satisfy DAG '{dag.DagId}': {string.Join("; ", problems)}.";
        }

        return run;
    }
}
