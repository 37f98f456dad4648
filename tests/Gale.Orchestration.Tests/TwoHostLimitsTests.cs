using Gale.Dags;
using Gale.Engine;
using Gale.Limits;
using Gale.Orchestration.AzureStorage;
using Gale.Runs;
using Gale.Scheduling;
using Gale.Storage.Engine;
using Gale.Testing;

namespace Gale.Orchestration.Tests;

/// <summary>
/// Limits with two task hub workers and two schedulers on one task hub on Azurite: pool slots, max_active_tasks and
/// max_active_runs checked as invariants over the tries' history of a stress run.
/// </summary>
public sealed class TwoHostLimitsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
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
        var poolsTable = await azurite.NewTableAsync();
        var states = new TableDagStateStore(await azurite.NewTableAsync());
        var pools = new TablePoolStore(poolsTable);
        await pools.SetAsync(new Pool("narrow", narrowSlots));
        ISlotStore Slots() => blocks ? new BlockSlotStore(new TableSlotStore(poolsTable)) : new TableSlotStore(poolsTable);
        IPoolStore Pools() => blocks ? new CachedPoolStore(pools) : pools;
        var options = new TaskHubOptions { HubName = "h" + Guid.NewGuid().ToString("N")[..12], PartitionCount = 2, MaxConcurrentActivities = 8 };
        using var stop = new CancellationTokenSource();
        async Task<(AzureStorageTaskHub Hub, Task Scheduling)> HostAsync(string id)
        {
            var services = new TaskServices { Slots = Slots(), Pools = Pools() };
            var hub = await AzureStorageTaskHub.StartAsync(azurite.Server.Connection, options, new DagBag([dag]), services, TimeProvider.System);
            var scheduling = new SchedulerHost(hub.Runs, new DagBag([dag]), states, services, TimeProvider.System, new SchedulerOptions { SchedulerId = id, Interval = TimeSpan.FromMilliseconds(300) });
            return (hub, scheduling.RunAsync(stop.Token));
        }

        var (one, oneScheduling) = await HostAsync("host-one");
        await using var _ = one;
        var (two, twoScheduling) = await HostAsync("host-two");
        await using var __ = two;
        var runs = one.Runs;

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

        await stop.CancelAsync();
        await Task.WhenAll(oneScheduling, twoScheduling).ContinueWith(_ => { }, TaskScheduler.Default);
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
