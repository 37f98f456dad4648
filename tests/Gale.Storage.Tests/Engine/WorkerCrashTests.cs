using System.Diagnostics;
using Azure.Data.Tables;
using Gale.Engine;
using Gale.Runs;
using Gale.Storage.Engine;

namespace Gale.Storage.Tests.Engine;

/// <summary>A worker process killed with SIGKILL mid-run and restarted: the run completes and no task succeeds twice.</summary>
public sealed class WorkerCrashTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static string WorkerDll()
    {
        // tests/Gale.Storage.Tests/bin/<Configuration>/net10.0 → tests/Gale.TestWorker/bin/<Configuration>/net10.0
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Parent!.Name;
        var tests = here.Parent.Parent!.Parent!.Parent!.FullName;
        var dll = Path.Combine(tests, "Gale.TestWorker", "bin", configuration, here.Name, "Gale.TestWorker.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build tests/Gale.TestWorker first.", dll);
    }

    private Process StartWorker()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add(WorkerDll());
        psi.ArgumentList.Add(azurite.Server.ConnectionString);
        psi.ArgumentList.Add("2");
        var process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var ready = process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        Assert.Equal("worker ready", ready);
        return process;
    }

    [Fact]
    public async Task WorkerKilledWithSigkill_RestartedWorkerCompletesRun()
    {
        await GaleStorageLayout.EnsureCreatedAsync(azurite.Account);
        var dag = TestDags.SlowChain(azurite.Account);
        var store = StorageEngine.RunStore(azurite.Account);
        var runId = "manual__crash_" + Guid.NewGuid().ToString("N")[..8];
        var run = new RunKey(dag.DagId, runId);
        var trigger = new RunEngine(store, new DagBag([dag]), StorageEngine.TaskQueue(azurite.Account, TimeProvider.System), StorageEngine.ControlQueue(azurite.Account, TimeProvider.System), TimeProvider.System, new EngineOptions { RunReadyTasksLocally = false });

        var first = StartWorker();
        await trigger.CreateRunAsync(dag, new DagRun { DagId = dag.DagId, RunId = runId, QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });
        while ((await store.LoadAsync(run))!.Tasks.Values.Count(t => t.State == TaskInstanceState.Success) < 4)
        {
            await Task.Delay(50);
        }

        first.Kill(entireProcessTree: true); // SIGKILL: no shutdown, no release, mid-task.
        await first.WaitForExitAsync();
        var atKill = (await store.LoadAsync(run))!;
        using var second = StartWorker();
        RunSnapshot final;
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!(final = (await store.LoadAsync(run))!).Run.State.IsFinished() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        second.Kill(entireProcessTree: true);
        Assert.Equal(DagRunState.Success, final.Run.State);
        Assert.All(final.Tasks.Values, t => Assert.Equal(TaskInstanceState.Success, t.State));
        Assert.Contains(atKill.Tasks.Values, t => t.State is TaskInstanceState.Running or TaskInstanceState.Queued);
        var history = await store.ReadHistoryAsync(run);
        var successes = history.Where(t => t.To == TaskInstanceState.Success).GroupBy(t => t.TaskId).ToList();
        Assert.Equal(12, successes.Count);
        Assert.All(successes, g => Assert.Single(g));
        var executions = await azurite.Account.GetTableClient(TestDags.ExecutionsTable)
            .QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {runId.Replace(':', '_').Replace('+', '_')}")).ToListAsync();
        var perTask = executions.GroupBy(e => e.RowKey.Split('|')[0]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(12, perTask.Count);
        Assert.True(perTask.Values.Sum() <= 13, $"at most the interrupted attempt runs twice; executions: {string.Join(", ", perTask)}");
    }

    [Fact]
    public async Task WorkerKilledWhileTasksAreDeferred_RestartedWorkerResumesEachOnce()
    {
        await GaleStorageLayout.EnsureCreatedAsync(azurite.Account);
        var dag = TestDags.DeferredWaits(azurite.Account);
        var store = StorageEngine.RunStore(azurite.Account);
        var runId = "manual__deferkill_" + Guid.NewGuid().ToString("N")[..8];
        var run = new RunKey(dag.DagId, runId);
        var trigger = new RunEngine(store, new DagBag([dag]), StorageEngine.TaskQueue(azurite.Account, TimeProvider.System), StorageEngine.ControlQueue(azurite.Account, TimeProvider.System), TimeProvider.System, new EngineOptions { RunReadyTasksLocally = false });

        var first = StartWorker();
        await trigger.CreateRunAsync(dag, new DagRun { DagId = dag.DagId, RunId = runId, QueuedAt = DateTimeOffset.UtcNow, LogicalDate = DateTimeOffset.UtcNow });
        while ((await store.LoadAsync(run))!.Tasks.Values.Count(t => t.State == TaskInstanceState.Deferred) < 5)
        {
            await Task.Delay(50);
        }

        first.Kill(entireProcessTree: true); // SIGKILL while all five wait
        await first.WaitForExitAsync();
        await Task.Delay(TimeSpan.FromSeconds(5)); // their timers come due while no worker runs
        using var second = StartWorker();
        RunSnapshot final;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!(final = (await store.LoadAsync(run))!).Run.State.IsFinished() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        second.Kill(entireProcessTree: true);
        Assert.Equal(DagRunState.Success, final.Run.State);
        var executions = await azurite.Account.GetTableClient(TestDags.ExecutionsTable)
            .QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {runId.Replace(':', '_').Replace('+', '_')}")).ToListAsync();
        Assert.Equal(["wait1|1", "wait2|1", "wait3|1", "wait4|1", "wait5|1"], executions.Select(e => string.Join('|', e.RowKey.Split('|')[..2])).Order(StringComparer.Ordinal));
    }
}
