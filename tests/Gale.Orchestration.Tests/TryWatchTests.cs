using System.Collections.Concurrent;
using System.Collections.Immutable;
using Gale.Engine;
using Gale.Orchestration.Activities;
using Gale.Runs;

namespace Gale.Orchestration.Tests;

/// <summary>
/// A running try stops when a person changes its task instance, and only then: a published state that has not
/// caught up with the try yet (a host died between sending an episode's tries and recording the episode) is no
/// reason to stop it.
/// </summary>
public sealed class TryWatchTests
{
    private static readonly DagRun Run = OrchestrationHost.Run(Gale.Dags.Dag.Create("watched").Task("t", _ => { }).Build());
    private static readonly TaskInstance Try1 = new() { TaskId = "t", State = TaskInstanceState.Running, TryNumber = 1 };

    [Fact]
    public async Task WatchAsync_StateStillQueuedFromBeforeTheTry_NeverStopsIt()
    {
        var reader = new ScriptedReader(Enumerable.Repeat(Try1 with { State = TaskInstanceState.Queued, TryNumber = 1 }, 1000));
        using var changed = new CancellationTokenSource();
        using var done = new CancellationTokenSource();

        var watching = new TryWatch(reader, TimeProvider.System, TimeSpan.FromMilliseconds(5)).WatchAsync(Run.Key, Try1, changed, done.Token);
        await Task.WhenAny(reader.ReadAtLeastAsync(10), watching); // a watch that stops early ends first
        await done.CancelAsync();

        Assert.Null(await watching);
        Assert.False(changed.IsCancellationRequested);
    }

    [Fact]
    public async Task WatchAsync_RunningThenMarkedSuccess_StopsTheTryWithTheNewState()
    {
        var reader = new ScriptedReader([Try1 with { State = TaskInstanceState.Queued }, Try1, Try1, Try1 with { State = TaskInstanceState.Success }]);
        using var changed = new CancellationTokenSource();

        var set = await new TryWatch(reader, TimeProvider.System, TimeSpan.FromMilliseconds(5)).WatchAsync(Run.Key, Try1, changed, CancellationToken.None);

        Assert.Equal(TaskInstanceState.Success, set);
        Assert.True(changed.IsCancellationRequested);
    }

    [Fact]
    public async Task WatchAsync_MarkedFailedBeforeSeenRunning_StopsTheTry()
    {
        var reader = new ScriptedReader([Try1 with { State = TaskInstanceState.Failed }]);
        using var changed = new CancellationTokenSource();

        var set = await new TryWatch(reader, TimeProvider.System, TimeSpan.FromMilliseconds(5)).WatchAsync(Run.Key, Try1, changed, CancellationToken.None);

        Assert.Equal(TaskInstanceState.Failed, set);
        Assert.True(changed.IsCancellationRequested);
    }

    [Fact]
    public async Task WatchAsync_TryNumberMovedOn_StopsTheTryEvenIfNeverSeenRunning()
    {
        var reader = new ScriptedReader([Try1 with { State = TaskInstanceState.Queued, TryNumber = 2 }]);
        using var changed = new CancellationTokenSource();

        var set = await new TryWatch(reader, TimeProvider.System, TimeSpan.FromMilliseconds(5)).WatchAsync(Run.Key, Try1, changed, CancellationToken.None);

        Assert.Null(set);
        Assert.True(changed.IsCancellationRequested);
    }

    // Returns the given task instance states in turn (the last one for ever after).
    private sealed class ScriptedReader(IEnumerable<TaskInstance> script) : IRunReader
    {
        private readonly ConcurrentQueue<TaskInstance> _script = new(script);
        private TaskInstance? _last;
        private int _reads;

        public async Task ReadAtLeastAsync(int reads)
        {
            while (Volatile.Read(ref _reads) < reads)
            {
                await Task.Delay(5);
            }
        }

        public Task<RunSnapshot?> LoadAsync(RunKey key, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            _last = _script.TryDequeue(out var next) ? next : _last;
            var tasks = ImmutableSortedDictionary<TaskInstanceKey, TaskInstance>.Empty.Add(_last!.Key, _last);
            return Task.FromResult<RunSnapshot?>(new RunSnapshot { Run = Run, Tasks = tasks });
        }

        public Task<IReadOnlyList<TaskTransition>> ReadHistoryAsync(RunKey key, CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<TaskTransition>>([]);

        public IAsyncEnumerable<DagRun> ListRunsAsync(string? dagId = null, DagRunState? state = null, CancellationToken cancellationToken = default) => NoRuns();

        private static async IAsyncEnumerable<DagRun> NoRuns()
        {
            await Task.CompletedTask;
            yield break;
        }
    }
}
