using System.Text;
using System.Text.Json;
using Gale.Orchestration.AzureStorage;
using Gale.Runs;
using Xunit.Abstractions;

namespace Gale.Host.Tests.Cli;

/// <summary>
/// The Durable Task runtime survives its hosts and its storage: <c>gale serve</c> SIGKILLed three times during one run
/// of 200 tasks, two <c>gale serve</c> processes sharing one task hub, and Azurite stopped and started mid-run. Every
/// run succeeds and each task's success is recorded once.
/// </summary>
public sealed class DurableTaskReliabilityTests(AzuriteFixture azurite, ITestOutputHelper output) : IClassFixture<AzuriteFixture>
{
    private const int Lanes = 20;
    private const int Steps = 10;
    private static readonly TimeSpan Recovery = TimeSpan.FromMinutes(6);

    // A dead host's partitions move after the lease (10 s) and its in-flight work shows again after the recovery
    // window (40 s, the shortest the backend's renewals allow). A kill between an episode's sends and its history
    // write costs more: the backend returns the answers that arrive first as out of order, backing off 2^n s per
    // dequeue (2, 4, … 64 s), so one recovery can take two to three minutes. Each phase allows six.
    private static readonly Dictionary<string, string> Settings = new()
    {
        [TaskHubOptions.RecoverySetting] = "40",
        [TaskHubOptions.LeaseSetting] = "10",
        [TaskHubOptions.PartitionsSetting] = "2",
    };

    [Fact]
    public async Task Serve_KilledThreeTimesDuringA200TaskRun_RunSucceedsAndEachSuccessIsRecordedOnce()
    {
        var (folder, executions) = await FolderAsync(Lanes);
        var storage = azurite.Server.ConnectionString;
        var serve = await ServeProcess.StartAsync(folder, storage, Settings);
        try
        {
            var (exit, stdout, stderr) = await GaleProcess.RunAsync(folder, "dags", "trigger", "crash_run", "--storage", storage, "--output", "json");
            Assert.True(exit == 0, $"exit {exit}: {stderr}");
            var key = new RunKey("crash_run", JsonDocument.Parse(stdout).RootElement.GetProperty("run_id").GetString()!);
            var runs = serve.Runs();

            for (var kill = 1; kill <= 3; kill++)
            {
                // Kill it while tries run, once a further fifth of the tasks has succeeded.
                var started = DateTime.UtcNow;
                try
                {
                    await UntilAsync(async () => Succeeded(await runs.LoadAsync(key)) >= kill * 40, Recovery, $"{kill * 40} successes before kill {kill}");
                }
                catch (Exception)
                {
                    await DescribeAsync(runs, key, serve);
                    throw;
                }

                output.WriteLine($"kill {kill} after {(DateTime.UtcNow - started).TotalSeconds:0} s");
                WriteWarnings(serve);
                serve.Dispose(); // SIGKILL: no shutdown, in-flight tries lost mid-way
                serve = await ServeProcess.StartAsync(folder, storage, Settings);
            }

            await EndAsync(runs, key, serve);
            var lines = await AssertSucceededOnceAsync(runs, key, Lanes, executions);
            output.WriteLine($"{lines.Length} executions of {Lanes * Steps} tasks across three kills");
        }
        finally
        {
            serve.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_KilledWhileTasksAreDeferred_EventSentMeanwhile_RestartedHostResumesEachOnce()
    {
        var folder = Directory.CreateTempSubdirectory("gale-defer-kill-").FullName;
        var executions = Path.Combine(folder, "executions.txt");
        Directory.CreateDirectory(Path.Combine(folder, "dags"));
        var yaml = new StringBuilder("dag_id: defer_kill\nschedule: null\nstart_date: 2024-01-01\ntasks:\n");
        for (var i = 1; i <= 5; i++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  - id: wait{i}\n    operator: wait_for_event\n    event: go\n");
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  - id: after{i}\n    operator: shell\n    command: \"echo after{i} >> {executions}\"\n    upstream: [wait{i}]\n");
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "defer_kill.yaml"), yaml.ToString());
        var storage = azurite.Server.ConnectionString;
        var serve = await ServeProcess.StartAsync(folder, storage, Settings);
        try
        {
            var key = await TriggerAsync(folder, storage, "defer_kill");
            var runs = serve.Runs();
            await UntilAsync(async () => (await runs.LoadAsync(key))?.Tasks.Values.Count(t => t.State == TaskInstanceState.Deferred) == 5, TimeSpan.FromMinutes(2), "five deferred tasks");

            serve.Dispose(); // SIGKILL while all five wait: nothing of theirs runs
            var (exit, _, stderr) = await GaleProcess.RunAsync(folder, "runs", "event", "defer_kill", key.RunId, "go", "--data", "{\"ok\": true}", "--storage", storage);
            Assert.True(exit == 0, $"exit {exit}: {stderr}");
            serve = await ServeProcess.StartAsync(folder, storage, Settings);
            await EndAsync(runs, key, serve);
            await AssertEachTaskSucceededOnceOnTryOneAsync(runs, key, 10);
            Assert.Equal(["after1", "after2", "after3", "after4", "after5"], (await File.ReadAllLinesAsync(executions)).Order(StringComparer.Ordinal));
        }
        finally
        {
            serve.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_StoppedWithCtrlCWhileATryRuns_TheTryFinishesAndTheNextHostDoesNotRunItAgain()
    {
        var folder = Directory.CreateTempSubdirectory("gale-stop-").FullName;
        var executions = Path.Combine(folder, "executions.txt");
        var started = Path.Combine(folder, "started.txt");
        Directory.CreateDirectory(Path.Combine(folder, "dags"));
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "graceful.yaml"), $"""
            dag_id: graceful
            schedule: null
            start_date: 2024-01-01
            tasks:
              - id: slow
                operator: shell
                command: "echo started >> {started}; sleep 3; echo slow >> {executions}"
              - id: after
                operator: shell
                command: "echo after >> {executions}"
                upstream: [slow]
            """);
        var storage = azurite.Server.ConnectionString;
        var serve = await ServeProcess.StartAsync(folder, storage, Settings);
        try
        {
            var key = await TriggerAsync(folder, storage, "graceful");
            await UntilAsync(() => Task.FromResult(File.Exists(started)), TimeSpan.FromMinutes(1), "the slow try's start");

            var exit = await serve.InterruptAsync(TimeSpan.FromSeconds(60)); // Ctrl+C while "slow" sleeps
            var afterStop = File.Exists(executions) ? await File.ReadAllLinesAsync(executions) : [];
            output.WriteLine(string.Join('\n', serve.Output.TakeLast(15)));
            serve.Dispose();
            serve = await ServeProcess.StartAsync(folder, storage, Settings);
            var final = await EndAsync(serve.Runs(), key, serve);

            Assert.Equal(0, exit);
            Assert.Equal(["slow"], afterStop); // the running try finished before the host stopped
            Assert.Equal(DagRunState.Success, final.Run.State);
            Assert.All(final.Tasks.Values, t => Assert.Equal((TaskInstanceState.Success, 1), (t.State, t.TryNumber)));
            Assert.Equal(["slow", "after"], await File.ReadAllLinesAsync(executions)); // and did not run again
            Assert.Single(await File.ReadAllLinesAsync(started));
        }
        finally
        {
            serve.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_TwoHostsOnOneTaskHub_ShareTheRunsTasks()
    {
        var (folder, executions) = await FolderAsync(lanes: 8);
        var storage = azurite.Server.ConnectionString;
        using var first = await ServeProcess.StartAsync(folder, storage, Settings);
        using var second = await ServeProcess.StartAsync(folder, storage, Settings);
        try
        {
            var key = await TriggerAsync(folder, storage);
            var runs = first.Runs();
            try
            {
                await UntilAsync(async () => (await runs.LoadAsync(key))?.Run.State.IsFinished() == true, TimeSpan.FromMinutes(3), "the run's end");
            }
            catch (Exception)
            {
                var s = (await runs.LoadAsync(key))!;
                output.WriteLine($"run {s.Run.State}: " + string.Join(", ", s.Tasks.Values.Where(t => t.State != TaskInstanceState.Success).Select(t => $"{t.TaskId}={t.State}/{t.TryNumber}")));
                output.WriteLine(string.Join('\n', first.Output.TakeLast(40)));
                output.WriteLine("----");
                output.WriteLine(string.Join('\n', second.Output.TakeLast(40)));
                throw;
            }

            var lines = await AssertSucceededOnceAsync(runs, key, 8, executions);
            // Each line names the gale process whose shell ran it: both hosts ran tries.
            var hosts = lines.Select(l => l.Split(' ')[1]).Distinct(StringComparer.Ordinal).ToList();
            Assert.Equal(2, hosts.Count);
            output.WriteLine($"tries per host: {string.Join(", ", lines.GroupBy(l => l.Split(' ')[1]).Select(g => g.Count()))}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_AzuriteStoppedAndStartedMidRun_RunSucceeds()
    {
        await using var storage = await Gale.Storage.Local.AzuriteServer.StartAsync();
        var (folder, executions) = await FolderAsync(lanes: 6);
        using var serve = await ServeProcess.StartAsync(folder, storage.ConnectionString, Settings);
        try
        {
            var key = await TriggerAsync(folder, storage.ConnectionString);
            var runs = serve.Runs();
            await UntilAsync(async () => Succeeded(await runs.LoadAsync(key)) >= 15, TimeSpan.FromMinutes(2), "15 successes");

            await storage.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(5)); // every request of the host fails meanwhile
            await storage.RestartAsync();
            await UntilAsync(async () => (await runs.LoadAsync(key))?.Run.State.IsFinished() == true, TimeSpan.FromMinutes(4), "the run's end");

            await AssertSucceededOnceAsync(runs, key, 6, executions);
            Assert.False(serve.HasExited, "gale serve exited while its storage was away:\n" + string.Join('\n', serve.Output));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(string Folder, string Executions)> FolderAsync(int lanes)
    {
        var folder = Directory.CreateTempSubdirectory("gale-crash-").FullName;
        var executions = Path.Combine(folder, "executions.txt");
        Directory.CreateDirectory(Path.Combine(folder, "dags"));
        await File.WriteAllTextAsync(Path.Combine(folder, "dags", "crash_run.yaml"), Dag(executions, lanes));
        return (folder, executions);
    }

    private static async Task<RunKey> TriggerAsync(string folder, string storage, string dagId = "crash_run")
    {
        var (exit, stdout, stderr) = await GaleProcess.RunAsync(folder, "dags", "trigger", dagId, "--storage", storage, "--output", "json");
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        return new RunKey(dagId, JsonDocument.Parse(stdout).RootElement.GetProperty("run_id").GetString()!);
    }

    // The run succeeded, every task once on try 1 (one success in the instance history), and every task ran (a try
    // killed mid-way runs again: tries run at least once). Returns the executions file's lines.
    private static async Task<string[]> AssertSucceededOnceAsync(Gale.Engine.IRunReader runs, RunKey key, int lanes, string executions)
    {
        await AssertEachTaskSucceededOnceOnTryOneAsync(runs, key, lanes * Steps);
        var lines = await File.ReadAllLinesAsync(executions);
        Assert.Equal(lanes * Steps, lines.Select(l => l.Split(' ')[0]).ToHashSet(StringComparer.Ordinal).Count);
        return lines;
    }

    // The run succeeded with its tasks, each on try 1 and with one success in the instance history.
    private static async Task AssertEachTaskSucceededOnceOnTryOneAsync(Gale.Engine.IRunReader runs, RunKey key, int tasks)
    {
        var snapshot = (await runs.LoadAsync(key))!;
        var history = await runs.ReadHistoryAsync(key);
        Assert.True(snapshot.Run.State == DagRunState.Success, $"run {snapshot.Run.State}: " + string.Join(", ", snapshot.Tasks.Values.Where(t => t.State != TaskInstanceState.Success).Select(t => $"{t.TaskId}={t.State}/{t.TryNumber} {t.Message}")));
        Assert.Equal(tasks, snapshot.Tasks.Count);
        Assert.All(snapshot.Tasks.Values, t => Assert.Equal((TaskInstanceState.Success, 1), (t.State, t.TryNumber)));
        var successes = history.Where(t => t.To == TaskInstanceState.Success).GroupBy(t => t.TaskId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(tasks, successes.Count);
        Assert.All(successes, s => Assert.True(s.Value == 1, $"{s.Key} succeeded {s.Value} times in the history"));
    }

    // Lanes of ten chained shell tasks, each writing its id and its gale process to the executions file.
    private static string Dag(string executions, int lanes)
    {
        var yaml = new StringBuilder("dag_id: crash_run\nschedule: null\nstart_date: 2024-01-01\nmax_active_tasks: 32\ntasks:\n");
        for (var lane = 0; lane < lanes; lane++)
        {
            for (var step = 0; step < Steps; step++)
            {
                var id = $"l{lane:00}_s{step}";
                yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  - id: {id}\n    operator: shell\n    command: \"sleep 0.2; echo {id} $PPID >> {executions}\"\n");
                if (step > 0)
                {
                    yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"    upstream: [l{lane:00}_s{step - 1}]\n");
                }
            }
        }

        return yaml.ToString();
    }

    // The run once it ended; when it does not end in time, what it and its task hub were doing.
    private async Task<RunSnapshot> EndAsync(Gale.Engine.IRunReader runs, RunKey key, ServeProcess serve)
    {
        try
        {
            await UntilAsync(async () => (await runs.LoadAsync(key))?.Run.State.IsFinished() == true, Recovery, "the run's end");
        }
        catch (Exception)
        {
            await DescribeAsync(runs, key, serve);
            throw;
        }

        return (await runs.LoadAsync(key))!;
    }

    // What a stalled run was doing: its unfinished tasks and the host's last lines.
    private async Task DescribeAsync(Gale.Engine.IRunReader runs, RunKey key, ServeProcess serve)
    {
        var s = await runs.LoadAsync(key);
        output.WriteLine(s is null ? "no run" : $"run {s.Run.State}: " + string.Join(", ", s.Tasks.Values.Where(t => t.State != TaskInstanceState.Success).Select(t => $"{t.TaskId}={t.State}/{t.TryNumber} {t.Message}")));
        WriteWarnings(serve);
        try
        {
            await DescribeTaskHubAsync(key, serve);
        }
        catch (Exception e)
        {
            output.WriteLine($"the task hub could not be described: {e.Message}");
        }
    }

    // The instance's runtime status and last history events, and each of the hub's queues' length: where a stalled
    // run's work is (a message invisible, an answer out of order, an episode never recorded).
    private async Task DescribeTaskHubAsync(RunKey key, ServeProcess serve)
    {
        var (_, service) = ServeProcess.RunsOf(azurite.Server.ConnectionString, serve.HubName, new Gale.Engine.DagBag([]));
        var instanceId = Gale.Orchestration.Runs.RunInstanceId.For(key);
        var state = (await service.GetOrchestrationStateAsync(instanceId, allExecutions: false)).FirstOrDefault();
        output.WriteLine($"instance {instanceId}: {state?.OrchestrationStatus} updated {state?.LastUpdatedTime:O}");
        if (state is not null)
        {
            var history = JsonDocument.Parse(await service.GetOrchestrationHistoryAsync(instanceId, state.OrchestrationInstance.ExecutionId)).RootElement;
            output.WriteLine($"history: {history.GetArrayLength()} events; the last 30:");
            foreach (var e in history.EnumerateArray().TakeLast(30))
            {
                output.WriteLine("  " + string.Join(' ', new[] { "EventType", "EventId", "Name", "TaskScheduledId", "Timestamp" }
                    .Select(p => e.TryGetProperty(p, out var v) ? $"{p}={v}" : null).Where(v => v is not null)));
            }
        }

        output.WriteLine("the host's last lines:");
        foreach (var line in serve.Output.TakeLast(40))
        {
            output.WriteLine("  " + (line.Length > 300 ? line[..300] : line));
        }

        var queues = new Azure.Storage.Queues.QueueServiceClient(azurite.Server.ConnectionString);
        await foreach (var queue in queues.GetQueuesAsync(prefix: serve.HubName.ToLowerInvariant()))
        {
            var properties = await queues.GetQueueClient(queue.Name).GetPropertiesAsync();
            output.WriteLine($"queue {queue.Name}: {properties.Value.ApproximateMessagesCount} messages");
        }
    }

    private void WriteWarnings(ServeProcess serve)
    {
        foreach (var line in serve.Output.Where(l => l.StartsWith("warn", StringComparison.Ordinal) || l.StartsWith("fail", StringComparison.Ordinal)).TakeLast(30))
        {
            output.WriteLine("  " + (line.Length > 400 ? line[..400] : line));
        }
    }

    private static int Succeeded(RunSnapshot? run) => run?.Tasks.Values.Count(t => t.State == TaskInstanceState.Success) ?? 0;

    private static async Task UntilAsync(Func<Task<bool>> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {what} within {timeout.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
