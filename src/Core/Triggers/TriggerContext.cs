using Gale.Secrets;
using Microsoft.Extensions.Logging;

namespace Gale.Triggers;

/// <summary>What a trigger check can see: the waiting task instance, the time, and the services a check may use.</summary>
public sealed class TriggerContext
{
    /// <summary>The DAG.</summary>
    public required string DagId { get; init; }

    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>The waiting task.</summary>
    public required string TaskId { get; init; }

    /// <summary>Its map index (-1 when unmapped).</summary>
    public int MapIndex { get; init; } = -1;

    /// <summary>The try that deferred.</summary>
    public int TryNumber { get; init; }

    /// <summary>The instant of this check.</summary>
    public DateTimeOffset Now { get; init; }

    /// <summary>How many earlier checks found the trigger not fired (for backoff).</summary>
    public int Checks { get; init; }

    /// <summary>The check's log (the host's log).</summary>
    public required ILogger Log { get; init; }

    /// <summary>The HTTP client checks share.</summary>
    public HttpClient Http { get; init; } = new();

    /// <summary>Connections (settings <c>GALE_CONN_*</c>).</summary>
    public ConnectionResolver Connections { get; init; } = new(_ => null, new SecretMasker());

    /// <summary>Masks secrets in what the check logs or returns.</summary>
    public SecretMasker Masker { get; init; } = new();

    /// <summary>Runs of every DAG (for sensors that watch other runs); null where none is available.</summary>
    public Gale.Engine.IRunReader? Runs { get; init; }

    /// <summary>Blobs (for blob sensors).</summary>
    public IObjectProbe Objects { get; init; } = new LocalObjectProbe(Directory.GetCurrentDirectory());

    /// <summary>State kept between checks and across restarts (namespace, name, key → value, with versions).</summary>
    public ITriggerStateStore State { get; init; } = new InMemoryTriggerStateStore();

    /// <summary>Cancelled when the host stops.</summary>
    public CancellationToken CancellationToken { get; init; }
}
