using Gale.Engine;
using Gale.Host.Api;
using Gale.Host.Api.Auth;
using Gale.Host.Dags;
using Gale.Host.Hosting;
using Gale.Orchestration;
using Gale.Orchestration.Runs;
using Gale.Scheduling;
using Gale.Storage;
using Gale.Storage.Engine;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Gale.Functions;

/// <summary>
/// What the Function App's functions share, loaded once per worker: the storage account, the DAGs, the task services
/// and the API's credentials. The parts that need a durable client (the runs, the activities, the scheduler and the
/// API) are built from the first client the host binds (<see cref="Bind"/>): the host hands out one client per task
/// hub connection, so every later binding names the same task hub.
/// </summary>
public sealed class GaleFunctionApp
{
    private readonly Lock _gate = new();
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _clock;
    private Bound? _bound;

    private GaleFunctionApp(StorageAccountClient account, DagLibrary dags, TaskServices services, ApiKeys keys, ApiAuthSettings auth, TimeProvider clock, ILoggerFactory loggers)
    {
        Account = account;
        Dags = dags;
        Services = services;
        Keys = keys;
        Auth = auth;
        _clock = clock;
        _loggers = loggers;
    }

    /// <summary>The storage account of the task hub and of Gale's stores.</summary>
    public StorageAccountClient Account { get; }

    /// <summary>The DAGs: the C# DAGs compiled into Gale and the YAML files deployed in <c>dags/</c>.</summary>
    public DagLibrary Dags { get; }

    /// <summary>Logs, XComs, variables, pools and the other task services, on <see cref="Account"/>.</summary>
    public TaskServices Services { get; }

    /// <summary>The API keys (<c>GALE_API_KEYS</c>).</summary>
    public ApiKeys Keys { get; }

    /// <summary>Entra ID and function-key settings.</summary>
    public ApiAuthSettings Auth { get; }

    /// <summary>Reads the settings, creates Gale's tables, queues and containers if needed, and loads the DAGs.</summary>
    /// <param name="setting">The app settings (environment variables on the Functions host).</param>
    /// <param name="dagsFolder">The folder of YAML DAGs deployed with the app.</param>
    /// <param name="clock">The clock.</param>
    /// <param name="loggers">Where Gale logs.</param>
    /// <param name="cancellationToken">Stops loading.</param>
    /// <exception cref="InvalidOperationException">No storage is configured.</exception>
    /// <exception cref="FormatException">A setting is malformed (the message names it).</exception>
    public static async Task<GaleFunctionApp> LoadAsync(Func<string, string?> setting, string dagsFolder, TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(setting);
        ArgumentNullException.ThrowIfNull(loggers);
        var connection = StorageSource.Resolve(null, setting)
            ?? throw new InvalidOperationException($"the Function App needs {StorageSource.SettingName} (a connection string, or {StorageSource.SettingName}__accountName for an identity-based connection) in its app settings");
        var account = new StorageAccountClient(connection);
        await GaleStorageLayout.EnsureCreatedAsync(account, cancellationToken);
        var dags = await DagLibrary.LoadAsync(dagsFolder, account.GetBlobContainerClient("dags"), loggers.CreateLogger("gale.dags"), cancellationToken);
        var services = StorageEngine.Services(account, setting);
        var keys = ApiKeys.Parse(setting(ApiKeys.SettingName));
        var auth = ApiAuthSettings.FromSettings(setting, clock, logger: loggers.CreateLogger("gale.auth"));
        return new GaleFunctionApp(account, dags, services, keys, auth, clock, loggers);
    }

    /// <summary>A new orchestrator of a DAG run (orchestrator functions get no client binding; the orchestrator needs none).</summary>
    public DagRunOrchestrator Orchestrator() => new(Dags);

    /// <summary>The runs, activities, scheduler and API over the task hub <paramref name="client"/> reaches.</summary>
    public Bound Bind(DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        lock (_gate)
        {
            return _bound ??= new Bound(this, client);
        }
    }

    /// <summary>The parts of the app that work through a durable client.</summary>
    public sealed class Bound
    {
        internal Bound(GaleFunctionApp app, DurableTaskClient client)
        {
            Runs = new OrchestratedDagRuns(client, app.Dags, app._clock);
            Tasks = new DagRunTasks(app.Dags, app.Services, Runs, app._clock, loggers: app._loggers);

            // A Function App has no background loop: the timer function ticks the scheduler and polls the watchers.
            var dagStates = StorageEngine.DagStateStore(app.Account);
            Scheduling = new SchedulerHost(Runs, app.Dags, dagStates, app.Services, app._clock, new SchedulerOptions { Interval = Timeout.InfiniteTimeSpan }, app._loggers);
            Api = new ApiContext(app.Account, app.Dags, Runs, Runs, dagStates, app.Keys)
            {
                Services = app.Services,
                Scheduler = Scheduling.Scheduler,
                Watchers = Scheduling.Watchers,
                Auth = app.Auth,
                HostChecksFunctionKeys = true,
            };
        }

        /// <summary>The DAG runs, as Durable Task instances.</summary>
        public OrchestratedDagRuns Runs { get; }

        /// <summary>The activities the orchestrator calls.</summary>
        public DagRunTasks Tasks { get; }

        /// <summary>The scheduler and the asset watchers.</summary>
        public SchedulerHost Scheduling { get; }

        /// <summary>What the REST API works with.</summary>
        public ApiContext Api { get; }
    }
}
