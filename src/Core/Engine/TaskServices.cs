using Gale.Execution;
using Gale.InMemory;
using Gale.Logs;
using Gale.Secrets;
using Gale.Templates;

namespace Gale.Engine;

/// <summary>
/// What running attempts use besides the run engine: XComs, variables, connections (from settings), task logs,
/// rendered fields, the secrets masker and an HTTP client. Defaults are in memory, for tests and <c>gale dags test</c>.
/// </summary>
public sealed class TaskServices
{
    /// <summary>XCom values.</summary>
    public IXComStore XComs { get; init; } = new InMemoryXComStore();

    /// <summary>Largest XCom value a task may push, in UTF-8 bytes (setting <c>GALE_XCOM_MAX_BYTES</c>; default 64 MiB).</summary>
    public long XComMaxBytes { get; init; } = GaleSettings.DefaultXComMaxBytes;

    /// <summary>Pool and max_active_tasks slots, shared by every host.</summary>
    public Gale.Limits.ISlotStore Slots { get; init; } = new InMemorySlotStore();

    /// <summary>Asset events (default: in memory).</summary>
    public Gale.Assets.IAssetEventStore AssetEvents { get; init; } = new Gale.Assets.InMemoryAssetEventStore();

    /// <summary>Artifacts registered on runs for their cleanup task (default: in memory).</summary>
    public Gale.Cleanup.ICleanupRegistry CleanupRegistry { get; init; } = new Gale.Cleanup.InMemoryCleanupRegistry();

    /// <summary>Deletes what cleanup tasks delete (default: files under the current directory).</summary>
    public Gale.Cleanup.IArtifactStore Artifacts { get; init; } = new Gale.Cleanup.LocalArtifactStore(Directory.GetCurrentDirectory());

    /// <summary>State custom triggers keep between checks (default: in memory).</summary>
    public Gale.Triggers.ITriggerStateStore TriggerState { get; init; } = new Gale.Triggers.InMemoryTriggerStateStore();

    /// <summary>Blobs sensors wait for (default: folders of the current directory, one per container).</summary>
    public Gale.Triggers.IObjectProbe Objects { get; init; } = new Gale.Triggers.LocalObjectProbe(Directory.GetCurrentDirectory());

    /// <summary>Per-DAG queues of asset events for asset-scheduled DAGs (default: in memory).</summary>
    public Gale.Assets.IAssetQueue AssetQueue { get; init; } = new Gale.Assets.InMemoryAssetQueue();

    /// <summary>Asset watchers' watermarks (default: in memory).</summary>
    public Gale.Assets.Watchers.IWatermarkStore Watermarks { get; init; } = new Gale.Assets.Watchers.InMemoryWatermarkStore();

    /// <summary>Reads Event Hubs partitions for polling Event Hubs watchers; null when no Event Hubs namespace is configured (the watchers are then only fed batches by the Functions host).</summary>
    public Gale.Assets.Watchers.IEventHubReader? EventHubs { get; init; }

    /// <summary>Opens a message queue by name (storage queue watchers; default: in-memory queues).</summary>
    public Func<string, IMessageQueue> MessageQueues { get; init; } = InMemoryQueues();

    /// <summary>Pool definitions.</summary>
    public Gale.Limits.IPoolStore Pools { get; init; } = new InMemoryPoolStore();

    /// <summary>Stored variables (settings <c>GALE_VAR_*</c> override them).</summary>
    public IVariableStore Variables { get; init; } = new InMemoryVariableStore();

    /// <summary>Reads settings (environment, app settings): <c>GALE_VAR_*</c>, <c>GALE_CONN_*</c>.</summary>
    public Func<string, string?> Settings { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Task logs, one per try.</summary>
    public ITaskLogStore Logs { get; init; } = new InMemoryTaskLogStore();

    /// <summary>Rendered template fields.</summary>
    public IRenderedFieldStore Rendered { get; init; } = new InMemoryRenderedFieldStore();

    /// <summary>Masks secrets in logs, rendered fields and error messages (one per process, like Airflow's).</summary>
    public SecretMasker Masker { get; init; } = new();

    /// <summary>The HTTP client tasks share (one connection pool per process).</summary>
    public HttpClient Http { get; init; } = SharedHttp;

    /// <summary>Variables as tasks read them (settings first, then the store).</summary>
    public VariableResolver VariableResolver => _variableResolver ??= new VariableResolver(Variables, Settings, Masker);

    /// <summary>Connections from settings.</summary>
    public ConnectionResolver ConnectionResolver => _connectionResolver ??= new ConnectionResolver(Settings, Masker);

    /// <summary>How often <see cref="RegisterKnownSecretsAsync"/> re-reads the variables table.</summary>
    public TimeSpan SecretRefreshInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Registers every secret this process can know of before a task runs: passwords of <c>GALE_CONN_*</c>
    /// environment settings and values of sensitive <c>GALE_VAR_*</c> settings and stored variables. Without it a
    /// secret would only be masked in the process that resolved it, and a downstream task on another host could
    /// log it (e.g. after pulling it from an XCom). Re-reads at most every <see cref="SecretRefreshInterval"/>.
    /// </summary>
    public async Task RegisterKnownSecretsAsync(TimeProvider clock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clock);
        if (clock.GetUtcNow().UtcTicks - Volatile.Read(ref _secretsLoadedAtTicks) < SecretRefreshInterval.Ticks)
        {
            return;
        }

        // One load at a time; attempts wait for it, so none runs before the secrets it may print are known.
        await _secretsLoading.WaitAsync(cancellationToken);
        try
        {
            var now = clock.GetUtcNow();
            if (now.UtcTicks - Volatile.Read(ref _secretsLoadedAtTicks) < SecretRefreshInterval.Ticks)
            {
                return;
            }

            foreach (var (name, value) in AllSettings())
            {
                if (name.StartsWith(ConnectionResolver.Prefix, StringComparison.Ordinal))
                {
                    try
                    {
                        var connection = Connection.Parse(name[ConnectionResolver.Prefix.Length..].ToLowerInvariant(), value);
                        Masker.Add(connection.Password);
                        foreach (var (extraName, extra) in connection.Extra)
                        {
                            Masker.AddIfSensitive(extraName, extra);
                        }
                    }
                    catch (FormatException)
                    {
                        // A malformed connection fails the task that uses it, with its own message.
                    }
                }
                else if (name.StartsWith(VariableResolver.Prefix, StringComparison.Ordinal))
                {
                    Masker.AddIfSensitive(name[VariableResolver.Prefix.Length..], value);
                }
            }

            var resolver = VariableResolver;
            foreach (var variable in await Variables.ListAsync(cancellationToken))
            {
                if (SecretMasker.IsSensitiveName(variable.Key))
                {
                    Masker.Add(variable.Value);
                    try
                    {
                        await resolver.GetJsonAsync(variable.Key, cancellationToken); // registers JSON leaves too
                    }
                    catch (FormatException)
                    {
                        // not JSON: the whole value is registered above
                    }
                }
            }

            Volatile.Write(ref _secretsLoadedAtTicks, now.UtcTicks); // only after a complete load
        }
        finally
        {
            _secretsLoading.Release();
        }
    }

    /// <summary>Every setting (name, value) to scan for <c>GALE_CONN_*</c> and <c>GALE_VAR_*</c> secrets (default: the environment).</summary>
    public Func<IEnumerable<KeyValuePair<string, string>>> AllSettings { get; init; } = EnvironmentSettings;

    /// <summary>Every environment variable as a setting.</summary>
    public static IEnumerable<KeyValuePair<string, string>> EnvironmentSettings()
    {
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Value is string value)
            {
                yield return new((string)entry.Key, value);
            }
        }
    }

    private static Func<string, IMessageQueue> InMemoryQueues()
    {
        var queues = new System.Collections.Concurrent.ConcurrentDictionary<string, IMessageQueue>(StringComparer.Ordinal);
        return name => queues.GetOrAdd(name, n => new InMemoryMessageQueue(n, TimeProvider.System));
    }

    private readonly SemaphoreSlim _secretsLoading = new(1, 1);
    private long _secretsLoadedAtTicks = long.MinValue / 2;

    private static HttpClient SharedHttp { get; } = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };

    private VariableResolver? _variableResolver;
    private ConnectionResolver? _connectionResolver;
}
