using Gale.Storage;
using Gale.Storage.Local;
using Xunit;

namespace Gale.Testing;

/// <summary>
/// One Azurite per test process, started on first use on free loopback ports in a temporary folder and stopped when
/// the process exits. Test classes share it and isolate themselves with unique resource names.
/// </summary>
public static class SharedAzurite
{
    private static readonly Lazy<Task<AzuriteServer>> Server = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The shared server, started if needed.</summary>
    public static Task<AzuriteServer> GetAsync() => Server.Value;

    private static async Task<AzuriteServer> StartAsync()
    {
        var server = await AzuriteServer.StartAsync(new AzuriteOptions { Log = line => Console.Error.WriteLine($"[azurite] {line}") });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }
}

/// <summary>xunit fixture giving a test class the shared Azurite and a storage client for it.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private static int _counter;

    /// <summary>The running Azurite.</summary>
    public AzuriteServer Server { get; private set; } = null!;

    /// <summary>A client for Azurite's development account.</summary>
    public StorageAccountClient Account { get; private set; } = null!;

    /// <summary>A unique lowercase name (valid for tables, queues and containers) starting with <paramref name="prefix"/>.</summary>
    public static string UniqueName(string prefix = "t") =>
        $"{prefix}{Interlocked.Increment(ref _counter)}x{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 30)].ToLowerInvariant();

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Server = await SharedAzurite.GetAsync();
        Account = new StorageAccountClient(Server.Connection);
    }

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;
}
