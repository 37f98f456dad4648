namespace Gale.Telemetry;

/// <summary>
/// Optional on an <see cref="Gale.Engine.IMessageQueue"/>: how many messages it holds, for the
/// <see cref="GaleTelemetry.QueueDepthName"/> gauge. A decorator around a queue should forward it.
/// </summary>
public interface IQueueDepth
{
    /// <summary>The approximate number of messages in the queue, visible or not (Azure's x-ms-approximate-messages-count).</summary>
    Task<int> GetApproximateCountAsync(CancellationToken cancellationToken = default);
}
