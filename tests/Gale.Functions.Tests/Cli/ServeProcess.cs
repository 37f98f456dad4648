using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gale.Functions.Tests.Cli;

/// <summary>A <c>gale serve</c> child process on a given storage account; disposing kills it.</summary>
internal sealed class ServeProcess : IDisposable
{
    private readonly Process _process;

    private ServeProcess(Process process) => _process = process;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public ConcurrentQueue<string> Output { get; } = new();

    public static async Task<ServeProcess> StartAsync(string workingDirectory, string connectionString, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "gale.dll"), "serve", "--port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--storage", connectionString })
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        var serve = new ServeProcess(Process.Start(psi)!);
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
