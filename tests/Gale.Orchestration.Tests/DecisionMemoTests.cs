using Gale.Dags;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Orchestration.Tests;

public sealed class DecisionMemoTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static readonly Dag Chain = Dag.Create("memo_chain").Task("a", _ => { }).Task("b", _ => { }, after: "a").Build();

    private static readonly DagRunInput Run = new(new DagRun { DagId = "memo_chain", RunId = "manual__1", QueuedAt = At });

    private static RunEvent[] Started() => [new RunStarted { EventId = "start:memo_chain/manual__1", At = At }];

    private static RunEvent[] Finished(string task) => [new TaskFinished { EventId = $"finish:{task}", Task = new TaskInstanceKey(task, -1), TryNumber = 1, Outcome = AttemptOutcome.Success, At = At.AddSeconds(1) }];

    [Fact]
    public void Decide_TheSameStepReplayed_ReturnsTheDecisionMadeBefore()
    {
        var memo = new DecisionMemo();
        var run = memo.Start("i", Chain, Run);
        var first = run.Decide(run.First, Started(), At);
        var second = run.Decide(first.Snapshot, Finished("a"), At.AddSeconds(1));

        var replay = memo.Start("i", Chain, Run);
        var replayedFirst = replay.Decide(replay.First, Started(), At);
        var replayedSecond = replay.Decide(replayedFirst.Snapshot, Finished("a"), At.AddSeconds(1));

        Assert.Same(run, replay);
        Assert.Same(first, replayedFirst);
        Assert.Same(second, replayedSecond);
        Assert.Equal(2, memo.Reused);
        Assert.Equal(TaskInstanceState.Success, second.Snapshot.Find(new TaskInstanceKey("a", -1))!.State);
    }

    [Fact]
    public void Decide_OtherEventsOrInstant_DecidesAfreshWithTheDecidersResult()
    {
        var memo = new DecisionMemo();
        var run = memo.Start("i", Chain, Run);
        var started = run.Decide(run.First, Started(), At);

        var later = run.Decide(run.First, Started(), At.AddMinutes(1));
        var other = run.Decide(started.Snapshot, Finished("b"), At);

        Assert.NotSame(started, later);
        Assert.Equal(0, memo.Reused);
        Assert.Equal(RunDecider.Decide(Chain, run.First, Started(), At.AddMinutes(1)).Snapshot.Run, later.Snapshot.Run);
        Assert.Equal(RunDecider.Decide(Chain, started.Snapshot, Finished("b"), At).Snapshot.Tasks.Values, other.Snapshot.Tasks.Values);
    }

    [Fact]
    public void Decide_UnchangedSnapshotStartsTwoSteps_BothAreFoundOnReplay()
    {
        var memo = new DecisionMemo();
        var run = memo.Start("i", Chain, Run);
        var started = run.Decide(run.First, Started(), At);
        RunEvent[] unknown = [new TaskFinished { EventId = "finish:ghost", Task = new TaskInstanceKey("ghost", -1), TryNumber = 1, Outcome = AttemptOutcome.Success, At = At }];
        var nothing = run.Decide(started.Snapshot, unknown, At);
        var finished = run.Decide(nothing.Snapshot, Finished("a"), At);

        Assert.Same(started.Snapshot, nothing.Snapshot);
        Assert.Same(nothing, run.Decide(started.Snapshot, unknown, At));
        Assert.Same(finished, run.Decide(started.Snapshot, Finished("a"), At));
        Assert.Equal(2, memo.Reused);
    }

    [Fact]
    public void Start_AnotherDagObjectOrRun_StartsAfresh()
    {
        var memo = new DecisionMemo();
        var run = memo.Start("i", Chain, Run);
        var reloaded = Dag.Create("memo_chain").Task("a", _ => { }).Task("b", _ => { }, after: "a").Build();

        Assert.Same(run, memo.Start("i", Chain, Run));
        Assert.NotSame(run, memo.Start("i", reloaded, Run));
        Assert.NotSame(run.First, memo.Start("i", Chain, Run with { Run = Run.Run with { QueuedAt = At.AddDays(1) } }).First);
    }

    [Fact]
    public void Start_MoreInstancesThanTheCapacity_TheLeastRecentlyUsedIsForgotten()
    {
        var memo = new DecisionMemo(capacity: 2);
        var one = memo.Start("one", Chain, Run);
        var two = memo.Start("two", Chain, Run);
        Assert.Same(one, memo.Start("one", Chain, Run));

        memo.Start("three", Chain, Run);

        Assert.Same(one, memo.Start("one", Chain, Run));
        Assert.NotSame(two, memo.Start("two", Chain, Run));
    }

    [Fact]
    public void Forget_AnInstance_ItsNextStartIsAfresh()
    {
        var memo = new DecisionMemo();
        var run = memo.Start("i", Chain, Run);

        memo.Forget("i");

        Assert.NotSame(run, memo.Start("i", Chain, Run));
    }
}
