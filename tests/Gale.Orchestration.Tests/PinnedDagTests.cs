using Gale.Dags;
using Gale.Engine;
using Gale.InMemory;
using Gale.Orchestration.InProcess;
using Gale.Runs;
using Gale.Runs.Events;
using Gale.Yaml;

namespace Gale.Orchestration.Tests;

/// <summary>A YAML DAG file edited while a run of it goes on: the run decides with the DAG it was created with.</summary>
public sealed class PinnedDagTests
{
    private const string Version1 = """
        dag_id: pinned
        schedule: null
        start_date: 2024-01-01
        tasks:
          - id: wait
            operator: wait_for_event
            event: go
          - id: load
            operator: empty
            upstream: [wait]

        """;

    // A task added downstream of the one the run is at.
    private const string Version2 = Version1 + """
          - id: report
            operator: empty
            upstream: [load]

        """;

    [Fact]
    public async Task Run_ItsYamlFileChangedWhileItWaits_FinishesWithTheTasksItWasCreatedWith()
    {
        var registry = new SwappableRegistry(YamlDagLoader.Load("dags/pinned.yaml", Version1));
        var clock = new SkippingTimeProvider();
        var hub = new VirtualTimeTaskHub(registry, new TaskServices(), clock);
        var run = new DagRun { DagId = "pinned", RunId = "manual__1", QueuedAt = clock.GetUtcNow(), LogicalDate = clock.GetUtcNow() };
        await hub.Runs.CreateRunAsync(registry.Dag, run);
        Assert.False(await hub.RunUntilIdleAsync()); // waits for "go"

        registry.Dag = YamlDagLoader.Load("dags/pinned.yaml", Version2); // the file is refreshed
        await hub.Runs.ApplyAsync(run.Key, [new ExternalEventRaised { EventId = "event:1", Name = "go", Data = "{}", At = clock.GetUtcNow() }]);
        Assert.True(await hub.RunUntilIdleAsync());

        var done = (await hub.Runs.LoadAsync(run.Key))!;
        Assert.Equal(DagRunState.Success, done.Run.State);
        Assert.Equal(["load", "wait"], done.Tasks.Values.Select(t => t.TaskId).Order(StringComparer.Ordinal));

        // A run created after the change has the new task.
        var next = run with { RunId = "manual__2" };
        await hub.Runs.CreateRunAsync(registry.Dag, next);
        await hub.Runs.ApplyAsync(next.Key, [new ExternalEventRaised { EventId = "event:2", Name = "go", Data = "{}", At = clock.GetUtcNow() }]);
        Assert.True(await hub.RunUntilIdleAsync());
        Assert.Equal(["load", "report", "wait"], (await hub.Runs.LoadAsync(next.Key))!.Tasks.Values.Select(t => t.TaskId).Order(StringComparer.Ordinal));
    }

    private sealed class SwappableRegistry(Dag dag) : IDagRegistry
    {
        public Dag Dag { get; set; } = dag;

        public IReadOnlyCollection<Dag> Dags => [Dag];

        public Dag? Find(string dagId) => dagId == Dag.DagId ? Dag : null;
    }
}
