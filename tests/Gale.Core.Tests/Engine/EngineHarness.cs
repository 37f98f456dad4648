using System.Collections.Concurrent;
using Gale.Dags;
using Gale.Engine;
using Gale.InMemory;
using Gale.Runs;

namespace Gale.Core.Tests.Engine;

/// <summary>Shared in-memory ports and any number of engine hosts on them, running in real time.</summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    private readonly List<EngineHost> _hosts = [];

    public EngineHarness(params Dag[] dags)
    {
        Dags = new DagBag(dags);
        Tasks = new InMemoryMessageQueue("tasks", TimeProvider.System);
        Control = new InMemoryMessageQueue("control", TimeProvider.System);
    }

    public DagBag Dags { get; }

    public InMemoryRunStore Store { get; } = new();

    public IMessageQueueWrapper? TasksWrapper { get; init; }

    public InMemoryMessageQueue Tasks { get; }

    public InMemoryMessageQueue Control { get; }

    public InMemoryXComStore XComs { get; } = new();

    public TaskServices? Services { get; init; }

    public ConcurrentDictionary<RunKey, TaskCompletionSource<DagRunState>> Finished { get; } = new();

    public EngineHost StartHost(EngineOptions? options = null)
    {
        var tasks = TasksWrapper?.Wrap(Tasks) ?? Tasks;
        var control = TasksWrapper?.Wrap(Control) ?? Control;
        var host = new EngineHost(Store, Dags, tasks, control, Services ?? new TaskServices { XComs = XComs }, TimeProvider.System, options ?? new EngineOptions { Lease = TimeSpan.FromSeconds(5) });
        host.Engine.RunCompleted += f => Finished.GetOrAdd(f.Run, _ => new()).TrySetResult(f.State);
        host.Start();
        _hosts.Add(host);
        return host;
    }

    public async Task<DagRunState> TriggerAndWaitAsync(EngineHost host, Dag dag, string runId = "manual__1", TimeSpan? timeout = null)
    {
        var run = new DagRun { DagId = dag.DagId, RunId = runId, QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow };
        var done = Finished.GetOrAdd(run.Key, _ => new());
        await host.Engine.CreateRunAsync(dag, run);
        try
        {
            return await done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            var snapshot = await Store.LoadAsync(run.Key);
            var tis = string.Join("; ", snapshot!.Tasks.Values.Select(t => $"{t.Key} {t.State.ToAirflowName()} try {t.TryNumber} worker {t.WorkerId}"));
            throw new TimeoutException($"Run {run.Key} is {snapshot.Run.State.ToAirflowName()} after the timeout: {tis}; tasks queue {Tasks.Count}, control queue {Control.Count}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }
}

internal interface IMessageQueueWrapper
{
    IMessageQueue Wrap(IMessageQueue inner);
}

/// <summary>Delivers every message twice, as an at-least-once queue may.</summary>
internal sealed class DuplicatingWrapper : IMessageQueueWrapper
{
    public IMessageQueue Wrap(IMessageQueue inner) => new Gale.Testing.DuplicatingQueue(inner);
}
