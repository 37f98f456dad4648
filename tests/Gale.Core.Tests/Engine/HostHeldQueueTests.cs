using Gale.Engine;
using Gale.InMemory;

namespace Gale.Core.Tests.Engine;

public sealed class HostHeldQueueTests
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(30);

    private static async Task<(InMemoryMessageQueue Inner, HostHeldQueue Queue, QueueMessageHandle Held)> HeldAsync()
    {
        var inner = new InMemoryMessageQueue("tasks", TimeProvider.System);
        await inner.SendAsync("body");
        var held = (await inner.ReceiveAsync(1, TimeSpan.FromMinutes(5))).Single();
        return (inner, new HostHeldQueue(inner, KeepAlive), held);
    }

    [Fact]
    public async Task HoldAsync_HandlerDeletes_CompletedAndTheHostsReceiptStillHolds()
    {
        var (inner, queue, held) = await HeldAsync();

        var outcome = await queue.HoldAsync(held, async m =>
        {
            Assert.Same(held, await queue.RenewAsync(m, KeepAlive)); // a heartbeat
            await queue.DeleteAsync(m);
        });

        Assert.Equal(HostedOutcome.Completed, outcome);
        Assert.Equal(1, inner.Count);
        Assert.NotNull(await inner.RenewAsync(held, TimeSpan.Zero)); // the receipt was never replaced
    }

    [Fact]
    public async Task HoldAsync_HandlerAsksToComeBackLater_FreshMessageSentAndCompleted()
    {
        var (inner, queue, held) = await HeldAsync();

        var outcome = await queue.HoldAsync(held, m => queue.RenewAsync(m, TimeSpan.FromSeconds(1)));

        Assert.Equal(HostedOutcome.Completed, outcome);
        Assert.Equal(2, inner.Count); // the held original (the host deletes it) and the fresh copy
    }

    [Fact]
    public async Task HoldAsync_HandlerLeavesTheMessage_Left()
    {
        var (_, queue, held) = await HeldAsync();

        Assert.Equal(HostedOutcome.Left, await queue.HoldAsync(held, _ => Task.CompletedTask));
    }

    [Fact]
    public async Task HoldAsync_SameMessageWhileHeld_SecondDeliveryLeft()
    {
        var (_, queue, held) = await HeldAsync();
        var release = new TaskCompletionSource();
        var first = queue.HoldAsync(held, async m => { await release.Task; await queue.DeleteAsync(m); });

        var second = await queue.HoldAsync(held, m => queue.DeleteAsync(m));
        release.SetResult();

        Assert.Equal(HostedOutcome.Left, second);
        Assert.Equal(HostedOutcome.Completed, await first);
    }

    [Fact]
    public async Task RenewAndDelete_MessageNotHeld_GoToTheInnerQueue()
    {
        var (inner, queue, _) = await HeldAsync();
        var sent = await queue.SendAsync("other");

        var renewed = await queue.RenewAsync(sent, TimeSpan.FromSeconds(1));
        Assert.NotNull(renewed);
        Assert.NotEqual(sent.Receipt, renewed.Receipt);
        await queue.DeleteAsync(renewed);

        Assert.Equal(1, inner.Count);
    }

    [Fact]
    public async Task SendToPoisonAsync_AnyMessage_LandsInTheInnerPoisonQueue()
    {
        var (inner, queue, held) = await HeldAsync();

        var outcome = await queue.HoldAsync(held, async m => { await queue.SendToPoisonAsync(m.Body); await queue.DeleteAsync(m); });

        Assert.Equal(HostedOutcome.Completed, outcome);
        Assert.Equal(["body"], inner.DeadLetters);
    }
}
