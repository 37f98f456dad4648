using Gale.Dags;
using Gale.Engine;
using Gale.Orchestration.Activities;
using Gale.Orchestration.Runs;
using Gale.Runs;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Gale.Testing;

namespace Gale.Orchestration.Tests;

/// <summary>
/// The orchestrator and its activities on Microsoft.DurableTask.InProcessTestHost (an in-process backend; durable
/// timers fire in real time), with in-memory task services.
/// </summary>
internal sealed class OrchestrationHost : IAsyncDisposable
{
    private readonly DurableTaskTestHost _host;

    private OrchestrationHost(DurableTaskTestHost host, TaskServices services, DagBag dags)
    {
        _host = host;
        Services = services;
        Runs = new OrchestratedDagRuns(host.Client, dags, TimeProvider.System);
    }

    public TaskServices Services { get; }

    /// <summary>The runs as the API and scheduler see them.</summary>
    public OrchestratedDagRuns Runs { get; }

    public DurableTaskClient Client => _host.Client;

    public static async Task<OrchestrationHost> StartAsync(params Dag[] dags)
    {
        var bag = new DagBag(dags);
        var services = new TaskServices();
        DurableTaskClient? client = null;
        var host = await DurableTaskTestHost.StartAsync(
            registry =>
            {
                registry.AddOrchestrator(nameof(DagRunOrchestrator), () => new DagRunOrchestrator(bag));
                registry.AddActivity<RunTaskAttempt>();
                registry.AddActivity<PollTrigger>();
                registry.AddActivity<ClearTaskData>();
                registry.AddActivity<FinishRun>();
                registry.AddActivity<ReadPreviousRun>();
            },
            new DurableTaskTestHostOptions
            {
                // A free port: the host's default picks one at random in 30000-39999, where Azurite's may already be.
                Port = LoopbackPort.Free(),
                ConfigureServices = di =>
                {
                    di.AddSingleton<IDagRegistry>(bag);
                    di.AddSingleton(services);
                    di.AddSingleton(TimeProvider.System);
                    di.AddSingleton<IRunReader>(_ => new OrchestratedDagRuns(client!, bag, TimeProvider.System));
                    // The launcher needs the host's client, which exists once the host has started (before any run).
                    di.AddSingleton(sp => new TaskAttemptExecutor(services, bag, TimeProvider.System, DagRunOrchestrator.WorkerId, new RunLauncher(new OrchestratedDagRuns(client!, bag, TimeProvider.System), bag, startImmediately: true), null));
                },
            });
        client = host.Client;
        return new OrchestrationHost(host, services, bag);
    }

    public static DagRun Run(Dag dag, string runId = "manual__1")
    {
        var at = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        return new DagRun { DagId = dag.DagId, RunId = runId, LogicalDate = at, DataIntervalStart = at, DataIntervalEnd = at, QueuedAt = at };
    }

    /// <summary>Starts <paramref name="run"/> and waits for its instance to complete.</summary>
    public async Task<(DagRunResult Result, RunStatus Status)> RunToEndAsync(DagRun run, TimeSpan? timeout = null)
    {
        Assert.True(await OrchestratedRuns.StartAsync(Client, run));
        return await WaitAsync(run, timeout);
    }

    public async Task<(DagRunResult Result, RunStatus Status)> WaitAsync(DagRun run, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        Microsoft.DurableTask.Client.OrchestrationMetadata done;
        try
        {
            done = await Client.WaitForInstanceCompletionAsync(RunInstanceId.For(run.Key), getInputsAndOutputs: true, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            var stuck = await OrchestratedRuns.GetAsync(Client, run.Key);
            throw new TimeoutException($"run {run.Key} did not finish: instance {stuck?.Instance.RuntimeStatus}, run {stuck?.Status?.State}, tasks {string.Join(", ", stuck?.Status?.Tasks.Select(t => $"{t.TaskId}={t.State}/{t.TryNumber}") ?? [])}");
        }

        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"instance {done.InstanceId} is {done.RuntimeStatus}: {done.FailureDetails?.ErrorMessage}\n{done.FailureDetails?.StackTrace}");
        var (_, status) = (await OrchestratedRuns.GetAsync(Client, run.Key))!.Value;
        return (done.ReadOutputAs<DagRunResult>()!, status!);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
