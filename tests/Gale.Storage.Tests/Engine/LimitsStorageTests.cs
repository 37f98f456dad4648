using Gale.Dags;
using Gale.Engine;
using Gale.Limits;
using Gale.Runs;
using Gale.Scheduling;
using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Engine;

/// <summary>
/// Limits on a real Azurite with two hosts: pool slots, max_active_tasks and max_active_runs checked as invariants
/// over the recorded history of a stress run.
/// </summary>
public sealed class LimitsStorageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static int MaxOverlap(IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> intervals)
    {
        var edges = intervals.SelectMany(i => new[] { (At: i.Start, Delta: 1), (At: i.End, Delta: -1) }).OrderBy(e => e.At).ThenBy(e => e.Delta);
        int now = 0, max = 0;
        foreach (var e in edges)
        {
            now += e.Delta;
            max = Math.Max(max, now);
        }

        return max;
    }

    private static List<(string TaskId, DateTimeOffset Start, DateTimeOffset End)> Running(IReadOnlyList<TaskTransition> history) =>
        history.Where(t => t.To == TaskInstanceState.Running)
            .Select(s => (s.TaskId, s.At, history.First(e => e.TaskId == s.TaskId && e.MapIndex == s.MapIndex && e.TryNumber == s.TryNumber && e.From == TaskInstanceState.Running && e.At >= s.At).At))
            .ToList();

    [Theory]
    [InlineData(false, 3, 5)]
    [InlineData(true, 8, 12)] // as deployed: slots lent from blocks (narrow: blocks of 2; max_active_tasks: blocks of 3)
    public async Task StressRun_TwoHosts_PoolMaxActiveTasksAndMaxActiveRunsNeverExceeded(bool blocks, int narrowSlots, int maxActiveTasks)
    {
        var start = DateTimeOffset.UtcNow.AddHours(-6);
        var hourStart = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, 0, 0, TimeSpan.Zero);
        var builder = Dag.Create("stress", "@hourly", hourStart)
            .With(s => s with { Catchup = true, MaxActiveRuns = 2, MaxActiveTasks = maxActiveTasks });
        for (var i = 0; i < 8; i++)
        {
            builder.Task($"t{i}", async _ => await Task.Delay(Random.Shared.Next(50, 150)), options: new TaskOptions { Pool = i % 2 == 0 ? "narrow" : null, PoolSlots = i == 0 ? 2 : 1 });
        }

        var dag = builder.Build();
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var tasks = await azurite.NewQueueAsync();
        var control = await azurite.NewQueueAsync();
        var poolsTable = await azurite.NewTableAsync();
        var states = new TableDagStateStore(await azurite.NewTableAsync());
        var pools = new TablePoolStore(poolsTable);
        await pools.SetAsync(new Pool("narrow", narrowSlots));
        ISlotStore Slots() => blocks ? new BlockSlotStore(new TableSlotStore(poolsTable)) : new TableSlotStore(poolsTable);
        IPoolStore Pools() => blocks ? new CachedPoolStore(pools) : pools;
        EngineHost Host(string id) => new(runs, new DagBag([dag]), new StorageMessageQueue(tasks, TimeProvider.System), new StorageMessageQueue(control, TimeProvider.System),
            new TaskServices { Slots = Slots(), Pools = Pools() }, TimeProvider.System,
            new EngineOptions { WorkerId = id, Lease = TimeSpan.FromSeconds(30), MaxPollInterval = TimeSpan.FromMilliseconds(200), TaskConcurrency = 8 },
            dagStates: states, schedulerOptions: new SchedulerOptions { SchedulerId = id, Interval = TimeSpan.FromMilliseconds(300) });
        await using var one = Host("host-one");
        await using var two = Host("host-two");
        one.Start();
        two.Start();

        var expectedRuns = 6; // the six hours whose intervals have ended
        List<DagRun> all = [];
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            all = [];
            await foreach (var run in runs.ListRunsAsync("stress"))
            {
                all.Add(run);
            }

            if (all.Count >= expectedRuns && all.All(r => r.State.IsFinished()))
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.True(all.Count >= expectedRuns && all.All(r => r.State == DagRunState.Success), $"runs: {string.Join(", ", all.Select(r => $"{r.RunId} {r.State}"))}");
        var intervals = new List<(string TaskId, DateTimeOffset Start, DateTimeOffset End)>();
        foreach (var run in all)
        {
            intervals.AddRange(Running(await runs.ReadHistoryAsync(run.Key)));
        }

        Assert.Equal(all.Count * 8, intervals.Count);
        var poolLoad = MaxOverlapWeighted(intervals.Where(i => int.Parse(i.TaskId[1..], System.Globalization.CultureInfo.InvariantCulture) % 2 == 0)
            .Select(i => (i.Start, i.End, Weight: i.TaskId == "t0" ? 2 : 1)));
        Assert.InRange(poolLoad, 1, narrowSlots);
        Assert.InRange(MaxOverlap(intervals.Select(i => (i.Start, i.End))), 1, maxActiveTasks);
        Assert.InRange(MaxOverlap(all.Select(r => (r.StartDate!.Value, r.EndDate!.Value))), 1, 2);
    }

    private static int MaxOverlapWeighted(IEnumerable<(DateTimeOffset Start, DateTimeOffset End, int Weight)> intervals)
    {
        var edges = intervals.SelectMany(i => new[] { (At: i.Start, Delta: i.Weight), (At: i.End, Delta: -i.Weight) }).OrderBy(e => e.At).ThenBy(e => e.Delta);
        int now = 0, max = 0;
        foreach (var e in edges)
        {
            now += e.Delta;
            max = Math.Max(max, now);
        }

        return max;
    }
}
