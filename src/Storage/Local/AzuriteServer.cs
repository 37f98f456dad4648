using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gale.Storage.Local;

/// <summary>
/// A local Azurite (blob, queue and table) on loopback ports, run through tools/azurite/run.js so that it stops when
/// this process exits, however it exits. Used by <c>gale serve</c>, the test fixtures and the benchmarks.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output = new();
    private readonly bool _ownsLocation;
    private readonly AzuriteOptions _options;
    private Process? _process;

    private AzuriteServer(AzuriteOptions options, string location, bool ownsLocation)
    {
        _options = options;
        Location = location;
        _ownsLocation = ownsLocation;
    }

    /// <summary>The data folder.</summary>
    public string Location { get; }

    /// <summary>The blob service port.</summary>
    public int BlobPort { get; private set; }

    /// <summary>The queue service port.</summary>
    public int QueuePort { get; private set; }

    /// <summary>The table service port.</summary>
    public int TablePort { get; private set; }

    /// <summary>True while the Azurite process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The development-account connection to this server.</summary>
    public StorageConnection Connection => StorageConnection.Development("127.0.0.1", BlobPort, QueuePort, TablePort);

    /// <summary>A connection string for this server (for child processes and configuration).</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={StorageConnection.DevelopmentAccountName};AccountKey={StorageConnection.DevelopmentAccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{StorageConnection.DevelopmentAccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{StorageConnection.DevelopmentAccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{StorageConnection.DevelopmentAccountName};";

    /// <summary>Installs Azurite if needed, starts it and waits until every service accepts connections.</summary>
    public static async Task<AzuriteServer> StartAsync(AzuriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AzuriteOptions();
        var owns = options.Location is null;
        var location = options.Location ?? Path.Combine(Path.GetTempPath(), "gale-azurite-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(location);
        var server = new AzuriteServer(options, location, owns);
        try
        {
            await server.StartProcessAsync(options.BlobPort, options.QueuePort, options.TablePort, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops Azurite (the data folder stays), as if the storage service went away.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        using (process)
        {
            if (!process.HasExited)
            {
                try
                {
                    process.StandardInput.Close(); // run.js stops Azurite when its stdin closes.
                }
                catch (IOException)
                {
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync(CancellationToken.None);
                }
            }
        }
    }

    /// <summary>Starts Azurite again on the same ports and data folder.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) =>
        IsRunning ? Task.CompletedTask : StartProcessAsync(BlobPort, QueuePort, TablePort, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_ownsLocation)
        {
            try
            {
                Directory.Delete(Location, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private async Task StartProcessAsync(int blobPort, int queuePort, int tablePort, CancellationToken cancellationToken)
    {
        var toolDirectory = _options.ToolDirectory ?? AzuriteInstall.FindToolDirectory();
        var runJs = await AzuriteInstall.EnsureInstalledAsync(toolDirectory, _options.Log, cancellationToken);
        var pickPorts = blobPort == 0 || queuePort == 0 || tablePort == 0;
        for (var attempt = 1; ; attempt++)
        {
            BlobPort = blobPort == 0 ? FreePort() : blobPort;
            QueuePort = queuePort == 0 ? FreePort() : queuePort;
            TablePort = tablePort == 0 ? FreePort() : tablePort;
            try
            {
                await LaunchAsync(runJs, cancellationToken);
                return;
            }
            catch (InvalidOperationException) when (pickPorts && attempt < 3)
            {
                // Another process took a port between probing and binding: pick new ones.
                await StopAsync();
            }
        }
    }

    /// <summary>
    /// The switches every Azurite Gale starts gets. <c>--skipApiVersionCheck</c>: the Azure SDK sends newer service
    /// versions than the pinned Azurite knows, and Azurite refuses those with a 400 otherwise.
    /// </summary>
    public static IReadOnlyList<string> FixedArguments { get; } = ["--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose"];

    private async Task LaunchAsync(string runJs, CancellationToken cancellationToken)
    {
        var args = new List<string> { runJs };
        args.AddRange(FixedArguments);
        args.AddRange(new[]
        {
            "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        args.AddRange(_options.InMemory ? ["--inMemoryPersistence"] : ["--location", Location]);

        var psi = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Location,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        try
        {
            _process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new IOException("Gale needs Node.js 20 on PATH to run Azurite locally ('node' was not found).", e);
        }

        _process.OutputDataReceived += (_, e) => Capture(e.Data);
        _process.ErrorDataReceived += (_, e) => Capture(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _options.Log?.Invoke($"Starting Azurite (blob {BlobPort}, queue {QueuePort}, table {TablePort}) in {Location}");

        var deadline = DateTime.UtcNow + _options.StartTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} while starting:\n{string.Join('\n', _output)}");
            }

            if (await IsListeningAsync(BlobPort) && await IsListeningAsync(QueuePort) && await IsListeningAsync(TablePort))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Azurite did not accept connections within {_options.StartTimeout.TotalSeconds:0} s:\n{string.Join('\n', _output)}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 50 && _output.TryDequeue(out _))
        {
        }

        _options.Log?.Invoke(line);
    }

    /// <summary>True when something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
