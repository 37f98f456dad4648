using FsCheck;
using FsCheck.Fluent;
using Gale.Dags;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Core.Tests.Runs;

/// <summary>
/// Random DAGs (random edges, trigger rules, retries) × random attempt outcomes, driven through
/// the decision function: no task is queued before its trigger rule allows it, finished states never change, and
/// every run ends with a state that follows from its leaves.
/// </summary>
public sealed class RunDeciderProperties
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TriggerRule[] Rules = Enum.GetValues<TriggerRule>();

    public sealed record Scenario(int[][] Upstream, int[] RuleIndex, int[] Retries, int[] Outcomes)
    {
        public override string ToString() =>
            string.Join("; ", Upstream.Select((u, i) => $"t{i}<-[{string.Join(",", u.Select(x => $"t{x}"))}] {Rules[RuleIndex[i]].ToAirflowName()} r{Retries[i]}")) +
            $" | outcomes {string.Join("", Outcomes)}";
    }

    private static Gen<Scenario> Scenarios() =>
        from n in Gen.Choose(1, 10)
        from upstream in Gen.ArrayOf(Gen.Choose(0, 1000), n).SelectMany(seeds => Gen.Constant(seeds.Select((seed, i) =>
            Enumerable.Range(0, i).Where(j => ((seed >> (j % 10)) & 1) == 1 && (seed + j) % 3 != 0).ToArray()).ToArray()))
        from rules in Gen.ArrayOf(Gen.Choose(0, Rules.Length - 1), n)
        from retries in Gen.ArrayOf(Gen.Choose(0, 1), n)
        from outcomes in Gen.ArrayOf(Gen.Choose(0, 2), 64)
        select new Scenario(upstream, rules, retries, outcomes);

    [Fact]
    public void Decide_RandomDagsAndOutcomes_RulesRespectedStatesFinalRunsEnd() =>
        Prop.ForAll(Arb.From(Scenarios()), CheckScenario).QuickCheckThrowOnFailure();

    private static bool CheckScenario(Scenario scenario)
    {
        var n = scenario.Upstream.Length;
        var builder = Dag.Create("prop");
        for (var i = 0; i < n; i++)
        {
            builder.Task($"t{i}", _ => { }, scenario.Upstream[i].Select(u => $"t{u}").ToArray(),
                new TaskOptions { TriggerRule = Rules[scenario.RuleIndex[i]], Retries = scenario.Retries[i], RetryDelay = TimeSpan.FromMinutes(1) });
        }

        var dag = builder.Build();
        var now = T0;
        var snapshot = RunSnapshotFactory.Create(dag, new DagRun { DagId = "prop", RunId = "r", LogicalDate = T0, QueuedAt = T0 });
        var decision = RunDecider.Decide(dag, snapshot, new RunStarted { EventId = "start", At = now }, now);
        var outcomeIndex = 0;
        for (var step = 0; step < 200 && !decision.Snapshot.Run.State.IsFinished(); step++)
        {
            var before = decision.Snapshot;
            var queued = before.Tasks.Values.FirstOrDefault(t => t.State == TaskInstanceState.Queued);
            var retrying = before.Tasks.Values.FirstOrDefault(t => t.State == TaskInstanceState.UpForRetry);
            now = now.AddMinutes(2);
            RunEvent e = queued is not null
                ? new TaskFinished { EventId = $"f{step}", Task = queued.Key, TryNumber = queued.TryNumber, Outcome = (AttemptOutcome)scenario.Outcomes[outcomeIndex++ % scenario.Outcomes.Length], At = now }
                : retrying is not null
                    ? new RetryDue { EventId = $"r{step}", Task = retrying.Key, FailedTryNumber = retrying.TryNumber, At = now }
                    : throw new InvalidOperationException($"Run is {before.Run.State} with nothing queued or retrying: {scenario}");
            decision = RunDecider.Decide(dag, before, e, now);
            CheckTransitions(dag, before, decision.Snapshot, scenario);
        }

        var final = decision.Snapshot;
        if (!final.Run.State.IsFinished())
        {
            throw new InvalidOperationException($"Run did not end: {scenario}");
        }

        var leafFailed = final.Tasks.Values.Any(t => dag.LeafTaskIds.Contains(t.TaskId) && t.State is TaskInstanceState.Failed or TaskInstanceState.UpstreamFailed);
        var anyUnfinished = final.Tasks.Values.Any(t => !t.State.IsFinished());
        var expected = anyUnfinished || leafFailed ? DagRunState.Failed : DagRunState.Success;
        return final.Run.State == expected ? true : throw new InvalidOperationException($"Run ended {final.Run.State}, expected {expected}: {scenario}");
    }

    private static void CheckTransitions(Dag dag, RunSnapshot before, RunSnapshot after, Scenario scenario)
    {
        foreach (var (key, old) in before.Tasks)
        {
            var now = after.Tasks[key];
            if (old.State.IsFinished() && now != old)
            {
                throw new InvalidOperationException($"{key} left final state {old.State} for {now.State}: {scenario}");
            }

            if (old.State == TaskInstanceState.None && now.State == TaskInstanceState.Queued)
            {
                var task = dag.GetTask(key.TaskId);
                var counts = UpstreamCounts.Of(task.Upstream.Select(u => (after.Tasks[new(u)].State, dag.GetTask(u).IsSetup)));
                var rule = TriggerRuleEvaluator.Evaluate(task.TriggerRule, counts);
                if (!rule.Met || rule.Flag is not null)
                {
                    throw new InvalidOperationException($"{key} was queued although {task.TriggerRule.ToAirflowName()} does not allow it: {scenario}");
                }
            }
        }
    }
}
