using Gale.Engine;
using Gale.Host.Api.Auth;
using Gale.Scheduling;
using Gale.Storage;

namespace Gale.Host.Api;

/// <summary>What the REST API works with: the storage account, the loaded DAGs, the engine that creates and changes runs, and the API keys.</summary>
/// <param name="Account">The storage account.</param>
/// <param name="Dags">The DAGs this host loaded.</param>
/// <param name="Engine">Creates runs and applies events to them.</param>
/// <param name="Runs">Reads runs.</param>
/// <param name="DagStates">Paused flags and next runs.</param>
/// <param name="Keys">Who may call the API.</param>
public sealed record ApiContext(StorageAccountClient Account, IDagRegistry Dags, IDagRuns Engine, IRunReader Runs, IDagStateStore DagStates, ApiKeys Keys)
{
    /// <summary>Logs, variables, pools and rendered fields (default: in memory).</summary>
    public TaskServices Services { get; init; } = new();

    /// <summary>The scheduler the Functions timer trigger ticks (null: none on this host).</summary>
    public Scheduler? Scheduler { get; init; }

    /// <summary>The asset watchers this host polls (with the scheduler), or null.</summary>
    public Gale.Assets.Watchers.WatcherHost? Watchers { get; init; }

    /// <summary>How the API publishes asset events (stored, then queued for asset-scheduled DAGs).</summary>
    public Gale.Assets.AssetEventPublisher Publisher => new(Services.AssetEvents, Services.AssetQueue, Dags);

    /// <summary>
    /// The Functions host checked a function key before the request got here (the Function App's API function is
    /// authLevel function): requests carrying one act with <see cref="ApiAuthSettings.FunctionKeyRole"/>.
    /// </summary>
    public bool HostChecksFunctionKeys { get; init; }

    /// <summary>Entra ID bearer tokens and the role of function keys, besides <see cref="Keys"/> (default: neither).</summary>
    public ApiAuthSettings Auth { get; init; } = new();
}
