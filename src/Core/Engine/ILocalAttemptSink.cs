namespace Gale.Engine;

/// <summary>
/// A worker in this process that can start a freshly enqueued attempt at once (no queue polling delay). The queue
/// message is still sent, hidden for one lease, as the durable fallback should this process die.
/// </summary>
public interface ILocalAttemptSink
{
    /// <summary>Reserves a free slot; false when the worker is busy.</summary>
    bool TryReserveSlot();

    /// <summary>Gives back a reserved slot that will not be used.</summary>
    void ReleaseSlot();

    /// <summary>Starts the attempt in a reserved slot; <paramref name="message"/> is the hidden queue message this worker now holds.</summary>
    void StartReserved(QueueMessageHandle message, AttemptMessage attempt);
}
