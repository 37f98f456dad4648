using Gale.Dags;
using Gale.Engine;
using Gale.InMemory;
using Gale.Runs;
using Gale.Scheduling;
using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Engine;

/// <summary>The scheduler tick on a real Azurite: racing schedulers, pause, catchup.</summary>
public sealed class SchedulerStorageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private async Task<(TableRunStore Runs, TableDagStateStore States, Func<string, Scheduler> NewScheduler)> SetupAsync(Dag dag, ManualTimeProvider clock)
    {
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var states = new TableDagStateStore(await azurite.NewTableAsync());
        var tasks = new StorageMessageQueue(await azurite.NewQueueAsync(), clock);
        var control = new StorageMessageQueue(await azurite.NewQueueAsync(), clock);
        Scheduler New(string id)
        {
            var engine = new RunEngine(runs, new DagBag([dag]), tasks, control, clock, new EngineOptions { RunReadyTasksLocally = false });
            return new Scheduler(engine, new DagBag([dag]), states, runs, new SchedulerOptions { SchedulerId = id, Lease = TimeSpan.FromMinutes(5) });
        }

        return (runs, states, New);
    }

    private static async Task<List<DagRun>> RunsAsync(TableRunStore store, string dagId)
    {
        var runs = new List<DagRun>();
        await foreach (var run in store.ListRunsAsync(dagId))
        {
            runs.Add(run);
        }

        return [.. runs.OrderBy(r => r.LogicalDate)];
    }

    [Fact]
    public async Task Tick_TwoSchedulersRacingForAThousandTicks_CreateEveryRunExactlyOnce()
    {
        var dag = Dag.Create("raced", "@daily", Start).With(s => s with { Catchup = true, MaxActiveRuns = 4 }).Task("t", _ => { }).Build();
        var clock = new ManualTimeProvider(Start);
        var (store, _, newScheduler) = await SetupAsync(dag, clock);
        var one = newScheduler("one");
        var two = newScheduler("two");

        for (var tick = 0; tick < 1000; tick++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            await Task.WhenAll(Task.Run(() => one.TickAsync()), Task.Run(() => two.TickAsync()));
        }

        var runs = await RunsAsync(store, "raced");
        var expectedDays = (int)((clock.GetUtcNow() - Start).TotalDays); // every day whose interval has ended
        Assert.Equal(expectedDays, runs.Count);
        Assert.Equal(runs.Count, one.RunsCreated + two.RunsCreated);
        Assert.Equal(Enumerable.Range(0, expectedDays).Select(d => Start.AddDays(d)), runs.Select(r => r.LogicalDate));
        Assert.All(runs, r => Assert.Equal(r.LogicalDate.AddDays(1), r.DataIntervalEnd));
        Assert.Equal(4, runs.Count(r => r.State == DagRunState.Running)); // max_active_runs; nothing runs tasks here
    }

    [Fact]
    public async Task Tick_PausedThenUnpausedWithoutCatchup_CreatesOnlyTheLatestMissedRun()
    {
        var dag = Dag.Create("pausable", "@daily", Start).With(s => s with { Catchup = false, IsPausedUponCreation = true }).Task("t", _ => { }).Build();
        var clock = new ManualTimeProvider(Start.AddDays(3).AddHours(1));
        var (store, states, newScheduler) = await SetupAsync(dag, clock);
        var scheduler = newScheduler("solo");

        await scheduler.TickAsync();
        Assert.Empty(await RunsAsync(store, "pausable"));
        Assert.True((await states.GetAsync("pausable"))!.IsPaused);

        await Scheduler.SetPausedAsync(states, "pausable", paused: false);
        await scheduler.TickAsync();
        clock.Advance(TimeSpan.FromDays(7)); // a week of downtime
        await scheduler.TickAsync();

        var runs = await RunsAsync(store, "pausable");
        Assert.Equal([Start.AddDays(2), Start.AddDays(9)], runs.Select(r => r.LogicalDate));
        var state = await states.GetAsync("pausable");
        Assert.Equal(Start.AddDays(10), state!.NextRun!.LogicalDate);
        Assert.Null(state.LeaseOwner);
    }
}
