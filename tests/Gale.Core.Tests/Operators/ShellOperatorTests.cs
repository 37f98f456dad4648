using System.Diagnostics;
using Gale.Execution;
using Gale.InMemory;
using Gale.Operators;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gale.Core.Tests.Operators;

public sealed class ShellOperatorTests
{
    private static TaskContext Context(CancellationToken token = default) => new()
    {
        DagId = "d",
        RunId = "r",
        TaskId = "t",
        XCom = new XComAccessor(new InMemoryXComStore(), "d", "r", "t", -1, token),
        Log = NullLogger.Instance,
        CancellationToken = token,
    };

    [Fact]
    public async Task Execute_ExitZero_ReturnsLastStdoutLine()
    {
        var result = await new ShellOperator("echo first; echo; echo \"$GREETING $AIRFLOW_CTX_TASK_ID\"") { Environment = new Dictionary<string, string> { ["GREETING"] = "hello" } }.ExecuteAsync(Context());

        Assert.Equal("hello t", result);
    }

    [Fact]
    public async Task Execute_Exit99_Skips() =>
        await Assert.ThrowsAsync<TaskSkippedException>(async () => await new ShellOperator("exit 99").ExecuteAsync(Context()));

    [Fact]
    public async Task Execute_CustomSkipCode_Skips() =>
        await Assert.ThrowsAsync<TaskSkippedException>(async () => await new ShellOperator("exit 7") { SkipOnExitCodes = [7] }.ExecuteAsync(Context()));

    [Fact]
    public async Task Execute_OtherExitCode_FailsWithCode()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await new ShellOperator("echo oops >&2; exit 3").ExecuteAsync(Context()));

        Assert.Equal("command exited with code 3", e.Message);
    }

    [Fact]
    public async Task Execute_WorkingDirectory_Honoured()
    {
        var dir = Directory.CreateTempSubdirectory("gale-cwd-").FullName;

        var result = await new ShellOperator("pwd") { WorkingDirectory = dir }.ExecuteAsync(Context());

        Assert.Equal(new DirectoryInfo(dir).FullName, result);
        Directory.Delete(dir);
    }

    [Fact]
    public async Task Execute_Cancelled_KillsWholeProcessTree()
    {
        var marker = $"gale_marker_{Guid.NewGuid():N}";
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await new ShellOperator($"sh -c 'sleep 30; echo {marker}' & sleep 30; wait").ExecuteAsync(Context(cancel.Token)));
        await Task.Delay(300);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        var ps = Process.Start(new ProcessStartInfo("ps", "-eo args") { RedirectStandardOutput = true })!;
        var processes = await ps.StandardOutput.ReadToEndAsync();
        Assert.DoesNotContain(marker, processes, StringComparison.Ordinal);
    }
}
