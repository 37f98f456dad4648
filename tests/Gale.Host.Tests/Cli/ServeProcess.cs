using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gale.Host.Tests.Cli;

/// <summary>A <c>gale serve</c> child process on a given storage account; disposing kills it.</summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly string _connectionString;

    private ServeProcess(Process process, string connectionString, string hubName)
    {
        _process = process;
        _connectionString = connectionString;
        HubName = hubName;
    }

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public ConcurrentQueue<string> Output { get; } = new();

    /// <summary>The task hub the process runs (its folder's own, so that test classes sharing Azurite never share one).</summary>
    public string HubName { get; }

    /// <summary>
    /// Gives the folder its own task hub (GALE_TASKHUB_NAME in its local.settings.json, which <c>gale serve</c> and the
    /// CLI run in that folder both read) unless one is set; returns the hub's name.
    /// </summary>
    public static string OwnTaskHub(string folder, IReadOnlyDictionary<string, string>? environment = null)
    {
        const string key = Gale.Orchestration.AzureStorage.TaskHubOptions.HubNameSetting;
        if (environment?.GetValueOrDefault(key) is { } given)
        {
            return given;
        }

        var path = Path.Combine(folder, "local.settings.json");
        var settings = File.Exists(path) ? System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject() : [];
        var values = (settings["Values"] ??= new System.Text.Json.Nodes.JsonObject()).AsObject();
        if (values[key]?.GetValue<string>() is not { } name)
        {
            name = "t" + Guid.NewGuid().ToString("N")[..12];
            values[key] = name;
            File.WriteAllText(path, settings.ToJsonString());
        }

        return name;
    }

    /// <summary>Reads the runs of the task hub the process runs, as the CLI's <c>--storage</c> commands do.</summary>
    public Gale.Engine.IRunReader Runs() => RunsOf(_connectionString, HubName, new Gale.Engine.DagBag([])).Runs;

    /// <summary>The runs of task hub <paramref name="hubName"/> (no worker: created runs wait, pending), and its service.</summary>
    public static (Gale.Orchestration.Runs.OrchestratedDagRuns Runs, DurableTask.AzureStorage.AzureStorageOrchestrationService Service) RunsOf(string connectionString, string hubName, Gale.Engine.IDagRegistry dags)
    {
        var options = new Gale.Orchestration.AzureStorage.TaskHubOptions { HubName = hubName };
        var service = new DurableTask.AzureStorage.AzureStorageOrchestrationService(Gale.Orchestration.AzureStorage.AzureStorageTaskHub.Settings(Gale.Storage.StorageConnection.Parse(connectionString), options));
        return (new Gale.Orchestration.Runs.OrchestratedDagRuns(new Gale.Orchestration.AzureStorage.CoreDurableTaskClient(hubName, service), dags, TimeProvider.System, TimeSpan.Zero), service);
    }

    public static async Task<ServeProcess> StartAsync(string workingDirectory, string connectionString, IReadOnlyDictionary<string, string>? environment = null)
    {
        var hubName = OwnTaskHub(workingDirectory, environment);
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "gale.dll"), "serve", "--port", LoopbackPort.Free().ToString(System.Globalization.CultureInfo.InvariantCulture), "--storage", connectionString })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        var serve = new ServeProcess(Process.Start(psi)!, connectionString, hubName);
        var ready = new TaskCompletionSource();
        serve._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            serve.Output.Enqueue(e.Data);
            if (e.Data.Contains("Gale is running", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        serve._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                serve.Output.Enqueue(e.Data);
            }
        };
        serve._process.BeginOutputReadLine();
        serve._process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            serve.Dispose();
            throw new TimeoutException("gale serve did not start: " + string.Join('\n', serve.Output));
        }

        return serve;
    }

    /// <summary>Waits until the process has printed a line matching <paramref name="pattern"/>, and returns its first group.</summary>
    public async Task<string> WaitForLineAsync(string pattern, TimeSpan? timeout = null)
    {
        var regex = new System.Text.RegularExpressions.Regex(pattern);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            foreach (var line in Output)
            {
                if (regex.Match(line) is { Success: true } match)
                {
                    return match.Groups.Count > 1 ? match.Groups[1].Value : match.Value;
                }
            }

            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new TimeoutException($"gale serve printed no line matching {pattern}:\n{string.Join('\n', Output)}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Sends SIGINT (Ctrl+C) and waits for the process to exit; returns its exit code.</summary>
    public async Task<int> InterruptAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var wait = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(wait.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
