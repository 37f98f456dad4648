using Gale.Host.Hosting;

namespace Gale.Host.Tests.Cli;

/// <summary>Which runtime <c>gale serve</c> and the CLI pick.</summary>
public sealed class ServeRuntimeTests
{
    [Theory]
    [InlineData(null, RuntimeKind.DurableTask)]
    [InlineData("", RuntimeKind.DurableTask)]
    [InlineData(" Durable-Task ", RuntimeKind.DurableTask)]
    [InlineData("queue", RuntimeKind.Queue)]
    public void Parse_NothingOrAName_DurableTaskByDefault(string? text, RuntimeKind expected) =>
        Assert.Equal(expected, ServeRuntime.Parse(text, "--runtime"));

    [Fact]
    public void Parse_NothingUnderTheCustomHandler_TheQueueEngineItRuns() =>
        Assert.Equal(RuntimeKind.Queue, ServeRuntime.Parse(null, "setting GALE_RUNTIME", RuntimeKind.Queue));

    [Fact]
    public void Parse_UnknownName_NamesTheSourceAndTheChoices()
    {
        var e = Assert.Throws<FormatException>(() => ServeRuntime.Parse("temporal", "--runtime"));

        Assert.Equal("--runtime: 'temporal' is not a runtime (durable-task or queue).", e.Message);
    }
}
