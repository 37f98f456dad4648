using Gale.Dags;
using Gale.Engine;
using Gale.InMemory;
using Gale.Runs;
using Gale.Orchestration.AzureStorage;
using Gale.Orchestration.Runs;
using Gale.Scheduling;
using Gale.Storage.Engine;
using Gale.Testing;

namespace Gale.Orchestration.Tests;

/// <summary>The scheduler tick over runs on an Azure Storage task hub on Azurite: racing schedulers, pause, catchup.</summary>
public sealed class SchedulerTaskHubTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // Runs on a task hub with no worker yet (the ticks only create runs and raise their starts; a worker that ran
    // tasks meanwhile would compete with a thousand ticks for two cores), the DAG states in their own table, and
    // schedulers on the test's clock.
    private async Task<(TaskHubOptions Hub, OrchestratedDagRuns Runs, TableDagStateStore States, Func<string, Scheduler> NewScheduler)> SetupAsync(Dag dag, ManualTimeProvider clock)
    {
        var options = new TaskHubOptions { HubName = "h" + Guid.NewGuid().ToString("N")[..12], PartitionCount = 1 };
        var runs = await AzureStorageTaskHub.RunsAsync(azurite.Server.Connection, options, new DagBag([dag]), clock, TimeSpan.Zero);
        var states = new TableDagStateStore(await azurite.NewTableAsync());
        Scheduler New(string id) => new(runs, new DagBag([dag]), states, runs, new SchedulerOptions { SchedulerId = id, Lease = TimeSpan.FromMinutes(5) });
        return (options, runs, states, New);
    }

    private static async Task<List<DagRun>> RunsAsync(IRunReader store, string dagId)
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
        var release = new TaskCompletionSource();
        var dag = Dag.Create("raced", "@daily", Start).With(s => s with { Catchup = true, MaxActiveRuns = 4 }).Task("t", async _ => await release.Task).Build();
        var clock = new ManualTimeProvider(Start);
        var (options, store, _, newScheduler) = await SetupAsync(dag, clock);
        var one = newScheduler("one");
        var two = newScheduler("two");

        for (var tick = 0; tick < 1000; tick++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            await Task.WhenAll(Task.Run(() => one.TickAsync()), Task.Run(() => two.TickAsync()));
        }

        // A worker now takes the starts the schedulers raised: the started runs' tasks hold them running.
        await using var hub = await AzureStorageTaskHub.StartAsync(azurite.Server.Connection, options, new DagBag([dag]), new TaskServices(), TimeProvider.System);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await RunsAsync(store, "raced")).Count(r => r.State == DagRunState.Running) < 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var runs = await RunsAsync(store, "raced");
        release.SetResult();
        var expectedDays = (int)((clock.GetUtcNow() - Start).TotalDays); // every day whose interval has ended
        Assert.Equal(expectedDays, runs.Count);
        Assert.Equal(runs.Count, one.RunsCreated + two.RunsCreated);
        Assert.Equal(Enumerable.Range(0, expectedDays).Select(d => Start.AddDays(d)), runs.Select(r => r.LogicalDate));
        Assert.All(runs, r => Assert.Equal(r.LogicalDate.AddDays(1), r.DataIntervalEnd));
        Assert.Equal(4, runs.Count(r => r.State == DagRunState.Running)); // max_active_runs
        Assert.Equal(expectedDays - 4, runs.Count(r => r.State == DagRunState.Queued));
    }

    [Fact]
    public async Task Tick_PausedThenUnpausedWithoutCatchup_CreatesOnlyTheLatestMissedRun()
    {
        var dag = Dag.Create("pausable", "@daily", Start).With(s => s with { Catchup = false, IsPausedUponCreation = true }).Task("t", _ => { }).Build();
        var clock = new ManualTimeProvider(Start.AddDays(3).AddHours(1));
        var (_, store, states, newScheduler) = await SetupAsync(dag, clock);
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
