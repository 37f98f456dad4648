using System.Text.Json;
using Gale.Dags;

namespace Gale.Runs;

/// <summary>Builds manual runs (CLI trigger, <c>trigger_dagrun</c>, the API): one place for the run id, dates and the conf check.</summary>
public static class ManualRuns
{
    /// <summary>
    /// A manual run of <paramref name="dag"/>. The logical date defaults to <paramref name="now"/> in whole seconds; the
    /// data interval is the timetable's manual interval for it (a <c>@daily</c> DAG triggered at 01:00 covers the day before).
    /// </summary>
    /// <returns>The run, or null and every problem with the conf (not an object, not JSON, or against the params).</returns>
    public static (DagRun? Run, IReadOnlyList<string> Problems) Create(Dag dag, DateTimeOffset? logicalDate, string? confJson, string? runId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(dag);
        var conf = "{}";
        if (!string.IsNullOrWhiteSpace(confJson))
        {
            try
            {
                using var parsed = JsonDocument.Parse(confJson);
                if (parsed.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return (null, ["conf must be a JSON object, e.g. {\"key\": \"value\"}"]);
                }

                conf = parsed.RootElement.GetRawText();
            }
            catch (JsonException e)
            {
                return (null, [$"conf is not valid JSON: {e.Message}"]);
            }
        }

        var (_, problems) = DagParams.Resolve(dag.Settings.Params, conf);
        if (problems.Count > 0)
        {
            return (null, problems);
        }

        var date = logicalDate ?? new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var interval = dag.Timetable.InferManualDataInterval(date);
        return (new DagRun
        {
            DagId = dag.DagId,
            RunId = string.IsNullOrWhiteSpace(runId) ? DagRun.CreateRunId(DagRunType.Manual, date) : runId,
            RunType = DagRunType.Manual,
            LogicalDate = date,
            DataIntervalStart = interval.Start,
            DataIntervalEnd = interval.End,
            QueuedAt = now,
            Conf = conf,
        }, []);
    }
}
