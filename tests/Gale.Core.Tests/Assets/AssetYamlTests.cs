using Gale.Assets;
using Gale.Assets.Watchers;
using Gale.Yaml;

namespace Gale.Core.Tests.Assets;

public sealed class AssetYamlTests
{
    private const string Tasks = "tasks:\n  - id: t\n    operator: empty\n";

    [Fact]
    public void Load_AssetScheduleWithTimetableCapAndWatchers()
    {
        var dag = YamlDagLoader.Load("consumer.yaml", """
            dag_id: consumer
            schedule:
              assets: landing & (wasb://lake/stock/ | wasb://lake/fx/)
              timetable: "@daily"
              max_events_per_run: 50
            watchers:
              - name: landing_files
                type: blob
                assets: [{uri: "wasb://landing/sales/", name: landing}]
                container: landing
                prefix: sales/
                poll_interval: 10s
              - {name: orders, type: queue, queue: orders, assets: [wasb://lake/stock/]}
              - {name: clicks, type: eventhub, event_hub: clicks, assets: [wasb://lake/fx/], poll_interval: 30s}
            tasks:
              - id: t
                operator: empty
            """);

        Assert.Equal("(wasb://landing/sales/ & (wasb://lake/stock/ | wasb://lake/fx/))", dag.Settings.AssetSchedule!.ToString());
        Assert.Equal("@daily or assets: (wasb://landing/sales/ & (wasb://lake/stock/ | wasb://lake/fx/))", dag.ScheduleDescription);
        Assert.Equal(50, dag.Settings.MaxAssetEventsPerRun);
        var blob = Assert.IsType<BlobWatcher>(dag.Settings.Watchers[0]);
        Assert.Equal(("landing", "sales/", TimeSpan.FromSeconds(10)), (blob.Container, blob.Prefix, blob.PollInterval));
        Assert.Equal("orders", Assert.IsType<StorageQueueWatcher>(dag.Settings.Watchers[1]).Queue);
        Assert.Equal(TimeSpan.FromSeconds(30), Assert.IsType<EventHubWatcher>(dag.Settings.Watchers[2]).PollInterval);
    }

    [Fact]
    public void Load_AssetListMeansAllOfThem_AndNoTimetableMeansAssetsOnly()
    {
        var dag = YamlDagLoader.Load("consumer.yaml", $"dag_id: consumer\nschedule:\n  assets: [wasb://a/, wasb://b/]\n{Tasks}");

        Assert.IsType<AssetExpression.All>(dag.Settings.AssetSchedule);
        Assert.Equal("Assets: (wasb://a/ & wasb://b/)", dag.ScheduleDescription);
        Assert.False(dag.Timetable.CanBeScheduled);
    }

    [Theory]
    [InlineData("schedule:\n  assets: \"wasb://a/ & (wasb://b/\"\n", "schedule.assets", "expected ')'")]
    [InlineData("schedule:\n  assets: landing_slaes\n", "schedule.assets", "unknown asset 'landing_slaes'")]
    [InlineData("schedule:\n  assets: [wasb://a/, landing_slaes]\n", "schedule.assets[1]", "neither an asset URI")]
    [InlineData("schedule:\n  assets: a\n  every: 1h\n", "every", "unknown field")]
    [InlineData("schedule:\n  timetable: \"0 99 * * *\"\n  assets: wasb://a/\n", "schedule.timetable", "")]
    [InlineData("schedule:\n  max_events_per_run: 5\n", "schedule.assets", "needs assets")]
    [InlineData("schedule:\n  assets: wasb://a/\n  max_events_per_run: 0\n", "max_events_per_run", "between 1 and 10000")]
    [InlineData("schedule:\n  assets: wasb://a/\n  max_events_per_run: 20000\n", "max_events_per_run", "between 1 and 10000")]
    [InlineData("watchers:\n  - {name: w, type: blob, container: c, assets: [a], settle: 0s}\n", "settle", "at least 1s")]
    [InlineData("watchers:\n  - {name: w, type: eventhub, event_hub: h, assets: [a], poll_interval: 0s}\n", "poll_interval", "must be positive")]
    [InlineData("watchers:\n  - {name: w, type: ftp, assets: [a]}\n", "watchers[0].type", "not a watcher type")]
    [InlineData("watchers:\n  - {name: w, type: blob, assets: [a]}\n", "watchers[0].container", "is required")]
    [InlineData("watchers:\n  - {name: w, type: blob, container: c}\n", "watchers[0].assets", "is required")]
    [InlineData("watchers:\n  - {name: w, type: queue, queue: q, assets: [a], container: c}\n", "container", "unknown field")]
    [InlineData("watchers:\n  - {name: w, type: queue, queue: q, assets: [a], poll_interval: 0s}\n", "poll_interval", "must be positive")]
    public void Load_BadScheduleOrWatcher_NamesFileFieldAndProblem(string yaml, string field, string problem)
    {
        var e = Assert.ThrowsAny<Exception>(() => YamlDagLoader.Load("bad.yaml", $"dag_id: x\n{yaml}{Tasks}"));

        Assert.Contains("bad.yaml", e.Message, StringComparison.Ordinal);
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TwoWatchersWithOneName_Refused()
    {
        var e = Assert.ThrowsAny<Exception>(() => YamlDagLoader.Load("bad.yaml", $"dag_id: x\nwatchers:\n  - {{name: w, type: queue, queue: q, assets: [a]}}\n  - {{name: w, type: queue, queue: r, assets: [a]}}\n{Tasks}"));

        Assert.Contains("two watchers are named 'w'", e.Message, StringComparison.Ordinal);
    }
}
