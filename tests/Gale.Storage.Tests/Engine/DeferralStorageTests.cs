using Gale.Dags;
using Gale.Runs;
using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Engine;

/// <summary>The queue engine's run table keeps deferrals and kept events (deleted with the engine).</summary>
public sealed class DeferralStorageTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task RunStore_DeferralAndKeptEvents_RoundTrip()
    {
        var dag = Dag.Create("roundtrip").Task("a", _ => { }).Build();
        var runs = new TableRunStore(await azurite.NewTableAsync());
        var snapshot = RunSnapshotFactory.Create(dag, new DagRun { DagId = "roundtrip", RunId = "r" }) with
        {
            PendingEvents = [new PendingEvent("approve", """{"by":"ana"}""", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))],
        };
        var deferral = new Deferral { Trigger = """{"kind":"datetime","args":{}}""", Method = null, Event = "\"quoted \\\"data\\\" é\"", Kwargs = """{"x":1}""", TimeoutAt = DateTimeOffset.UnixEpoch.AddDays(9), OnTimeout = DeferralTimeoutOutcome.Skip, EventName = "e", NextCheckAt = DateTimeOffset.UnixEpoch.AddDays(1), Checks = 3, Reschedule = true };
        snapshot = snapshot with { Tasks = snapshot.Tasks.SetItem(new("a"), snapshot.Find(new("a"))! with { State = TaskInstanceState.UpForReschedule, Deferral = deferral }) };

        await runs.CreateAsync(snapshot);
        var loaded = await runs.LoadAsync(snapshot.Key);

        Assert.Equal(deferral, loaded!.Find(new("a"))!.Deferral);
        Assert.Equal(snapshot.PendingEvents, loaded.PendingEvents);
    }
}
