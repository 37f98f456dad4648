using Gale.Dags;
using Gale.Engine;
using Gale.Runs;
using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Engine;

public sealed class TableRunStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Dag Wide(int width)
    {
        var builder = Dag.Create($"wide{width}");
        for (var i = 0; i < width; i++)
        {
            builder.Task($"task_with_a_realistic_name_{i:D5}", _ => { });
        }

        return builder.Build();
    }

    private static RunSnapshot NewSnapshot(Dag dag, string runId = "manual__1") =>
        RunSnapshotFactory.Create(dag, new DagRun { DagId = dag.DagId, RunId = runId, LogicalDate = T0, QueuedAt = T0, Conf = "{\"k\":\"v\"}" });

    [Fact]
    public async Task Create_10000Tasks_RoundTripsAndNoEntityNears1MiB()
    {
        var table = await azurite.NewTableAsync();
        var store = new TableRunStore(table);
        var dag = Wide(10_000);
        var started = RunDecider.Decide(dag, NewSnapshot(dag), new Gale.Runs.Events.RunStarted { EventId = "s", At = T0 }, T0);

        var created = await store.CreateAsync(NewSnapshot(dag));
        var saved = await store.SaveAsync(created!, started.Snapshot with { Version = created!.Version }, []);
        var loaded = await store.LoadAsync(saved.Key);
        var entities = await table.QueryAsync<Azure.Data.Tables.TableEntity>().ToListAsync();

        Assert.Equal(10_000, loaded!.Tasks.Count);
        Assert.All(loaded.Tasks.Values, t => Assert.Equal((TaskInstanceState.Queued, 1), (t.State, t.TryNumber)));
        Assert.Equal("{\"k\":\"v\"}", loaded.Run.Conf);
        Assert.Equal(DagRunState.Running, loaded.Run.State);
        var largest = entities.Max(e => e.Sum(p => p.Value is byte[] b ? b.Length : p.Value is string s ? s.Length * 2 : 8));
        Assert.True(largest < 256 * 1024, $"largest entity is {largest:N0} bytes");
    }

    [Fact]
    public async Task Create_Twice_SecondReturnsNull()
    {
        var store = new TableRunStore(await azurite.NewTableAsync());
        var dag = Wide(3);

        Assert.NotNull(await store.CreateAsync(NewSnapshot(dag)));
        Assert.Null(await store.CreateAsync(NewSnapshot(dag)));
    }

    [Fact]
    public async Task Save_StaleVersion_ThrowsConflictAndKeepsWinner()
    {
        var store = new TableRunStore(await azurite.NewTableAsync());
        var dag = Wide(3);
        var created = (await store.CreateAsync(NewSnapshot(dag)))!;
        var winner = created with { Run = created.Run with { State = DagRunState.Running } };
        var loser = created with { Run = created.Run with { State = DagRunState.Failed } };

        await store.SaveAsync(created, winner, []);
        await Assert.ThrowsAsync<RunConflictException>(() => store.SaveAsync(created, loser, []));

        Assert.Equal(DagRunState.Running, (await store.LoadAsync(created.Key))!.Run.State);
    }

    [Fact]
    public async Task Save_OneTaskChanged_RewritesOnlyItsChunkAndAppendsHistory()
    {
        var table = await azurite.NewTableAsync();
        var store = new TableRunStore(table);
        var dag = Wide(2_000);
        var created = (await store.CreateAsync(NewSnapshot(dag)))!;
        var before = await table.QueryAsync<Azure.Data.Tables.TableEntity>().ToDictionaryAsync(e => e.RowKey, e => e.ETag);
        var key = new TaskInstanceKey("task_with_a_realistic_name_00042");
        var changed = created with { Tasks = created.Tasks.SetItem(key, created.Tasks[key] with { State = TaskInstanceState.Queued, TryNumber = 1 }) };
        var transition = new TaskTransition(key.TaskId, -1, 1, TaskInstanceState.None, TaskInstanceState.Queued, T0, null);

        await store.SaveAsync(created, changed, [transition]);
        var after = await table.QueryAsync<Azure.Data.Tables.TableEntity>().ToDictionaryAsync(e => e.RowKey, e => e.ETag);

        var rewritten = after.Where(p => before.TryGetValue(p.Key, out var old) && old != p.Value).Select(p => p.Key).Order().ToList();
        Assert.Equal(2, rewritten.Count); // the header and one chunk
        Assert.Contains("run", rewritten);
        Assert.Equal([transition], await store.ReadHistoryAsync(created.Key));
    }

    [Fact]
    public async Task ListRuns_ByDagAndState_ReturnsMatchingHeadersOnly()
    {
        var store = new TableRunStore(await azurite.NewTableAsync());
        var dag = Wide(2);
        var a = (await store.CreateAsync(NewSnapshot(dag, "manual__a")))!;
        await store.CreateAsync(NewSnapshot(dag, "manual__b"));
        await store.SaveAsync(a, a with { Run = a.Run with { State = DagRunState.Running } }, []);

        var all = await store.ListRunsAsync(dag.DagId).ToListAsync();
        var running = await store.ListRunsAsync(dag.DagId, DagRunState.Running).ToListAsync();

        Assert.Equal(["manual__a", "manual__b"], all.Select(r => r.RunId).Order());
        Assert.Equal("manual__a", Assert.Single(running).RunId);
    }

    [Theory]
    [InlineData("manual__2024-01-01T00:00:00+00:00")]
    [InlineData("odd/run#id?with%chars")]
    public async Task RunIds_WithAnyCharacters_StoredAndLoaded(string runId)
    {
        var store = new TableRunStore(await azurite.NewTableAsync());
        var dag = Wide(1);

        await store.CreateAsync(NewSnapshot(dag, runId));

        Assert.Equal(runId, (await store.LoadAsync(new RunKey(dag.DagId, runId)))!.Run.RunId);
    }
}
