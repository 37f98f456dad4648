using Azure;
using Azure.Storage.Queues.Models;

namespace Gale.Storage.Engine;

/// <summary>A message in a poison queue.</summary>
/// <param name="Queue">The queue it was meant for: <c>tasks</c> or <c>control</c>.</param>
/// <param name="MessageId">Its id in the poison queue.</param>
/// <param name="Body">Its text.</param>
/// <param name="DequeueCount">How often it was delivered from the poison queue.</param>
/// <param name="InsertedOn">When it was put in the poison queue.</param>
public sealed record PoisonMessage(string Queue, string MessageId, string Body, long DequeueCount, DateTimeOffset InsertedOn);

/// <summary>What a replay moved back, and the requested ids it did not find.</summary>
/// <param name="Replayed">Ids (in the poison queue) of the messages sent back to their queue.</param>
/// <param name="NotFound">Requested ids that were not in the poison queue.</param>
public sealed record PoisonReplay(IReadOnlyList<string> Replayed, IReadOnlyList<string> NotFound);

/// <summary>
/// The poison queues of Gale's queues (<c>&lt;queue&gt;-poison</c>): messages the Functions host gave up on after
/// maxDequeueCount failed deliveries, and messages that are not Gale messages at all. Lists them and sends them back.
/// </summary>
/// <param name="account">The storage account.</param>
/// <param name="tasksQueue">The task queue's name.</param>
/// <param name="controlQueue">The control queue's name.</param>
public sealed class PoisonMessages(StorageAccountClient account, string tasksQueue = "tasks", string controlQueue = "control")
{
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal) { ["tasks"] = tasksQueue, ["control"] = controlQueue };

    /// <summary>Most messages a replay looks at in one call.</summary>
    public const int MaxReplayScan = 320;

    /// <summary>The queues whose poison queues this reads, by their role: <c>tasks</c> and <c>control</c>.</summary>
    public IReadOnlyList<string> Queues { get; } = ["tasks", "control"];

    /// <summary>The first 32 messages of each poison queue (a peek: nothing is hidden) and the approximate total.</summary>
    public async Task<(IReadOnlyList<PoisonMessage> Messages, int ApproximateCount)> PeekAsync(CancellationToken cancellationToken = default)
    {
        var messages = new List<PoisonMessage>();
        var total = 0;
        foreach (var queue in Queues)
        {
            var poison = account.GetPoisonQueueClient(_names[queue]);
            try
            {
                total += (await poison.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
                messages.AddRange((await poison.PeekMessagesAsync(32, cancellationToken)).Value.Select(m => new PoisonMessage(queue, m.MessageId, m.Body.ToString(), m.DequeueCount, m.InsertedOn ?? default)));
            }
            catch (RequestFailedException e) when (e.IsNotFound())
            {
                // No poison queue yet: nothing ever failed.
            }
        }

        return (messages, total);
    }

    /// <summary>
    /// Sends poison messages of <paramref name="queue"/> back to it (all, or those in <paramref name="ids"/>) and removes
    /// them from the poison queue. Each is sent before it is removed, so a crash in between leaves a copy in both
    /// places, never in neither (the engine ignores a duplicate).
    /// </summary>
    public async Task<PoisonReplay> ReplayAsync(string queue, IReadOnlyCollection<string>? ids, CancellationToken cancellationToken = default)
    {
        if (!_names.TryGetValue(queue, out var name))
        {
            throw new ArgumentException($"queue must be one of {string.Join(", ", Queues)}", nameof(queue));
        }

        var target = account.GetQueueClient(name);
        var poison = account.GetPoisonQueueClient(name);
        var wanted = ids is null ? null : new HashSet<string>(ids, StringComparer.Ordinal);
        var replayed = new List<string>();
        var skipped = new List<QueueMessage>();
        try
        {
            for (var scanned = 0; scanned < MaxReplayScan && (wanted is null || wanted.Count > 0);)
            {
                var batch = (await poison.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(1), cancellationToken)).Value;
                if (batch.Length == 0)
                {
                    break;
                }

                scanned += batch.Length;
                foreach (var message in batch)
                {
                    if (wanted is not null && !wanted.Remove(message.MessageId))
                    {
                        skipped.Add(message);
                        continue;
                    }

                    await target.SendMessageAsync(message.Body.ToString(), null, StorageMessageQueue.NeverExpires, cancellationToken);
                    await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
                    replayed.Add(message.MessageId);
                }
            }
        }
        catch (RequestFailedException e) when (e.IsNotFound() && e.ErrorCode == "QueueNotFound")
        {
            // No poison queue: nothing to replay.
        }
        finally
        {
            foreach (var message in skipped)
            {
                await poison.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None);
            }
        }

        return new PoisonReplay(replayed, wanted is null ? [] : [.. wanted.Order(StringComparer.Ordinal)]);
    }
}
