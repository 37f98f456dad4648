using Gale.Dags;

namespace Gale.Timetables;

/// <summary>The runs a DAG's timetable will create next (Airflow's <c>dags next-execution</c>).</summary>
public static class UpcomingRuns
{
    /// <summary>The next <paramref name="count"/> runs whose run_after is later than <paramref name="after"/>.</summary>
    public static IReadOnlyList<DagRunInfo> After(Dag dag, DateTimeOffset after, int count)
    {
        ArgumentNullException.ThrowIfNull(dag);

        // Without catchup the proposal at `after` is the latest complete interval; step from there to later ones.
        var restriction = dag.TimeRestriction with { Catchup = false };
        var runs = new List<DagRunInfo>();
        var info = dag.Timetable.NextDagRunInfo(null, restriction, after);
        for (var guard = 0; info is not null && runs.Count < count && guard < 100_000; guard++)
        {
            if (info.RunAfter > after)
            {
                runs.Add(info);
            }

            info = dag.Timetable.NextDagRunInfo(info.DataInterval, restriction with { Catchup = true }, after);
        }

        return runs;
    }
}
