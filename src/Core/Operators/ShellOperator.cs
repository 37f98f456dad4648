using System.Diagnostics;
using Gale.Execution;
using Microsoft.Extensions.Logging;

namespace Gale.Operators;

/// <summary>
/// Runs a command with <c>/bin/sh -c</c> (Airflow's BashOperator): exit code 0 succeeds, an exit code in
/// <see cref="SkipOnExitCodes"/> (default 99) skips, anything else fails. The last line written to stdout becomes the
/// <c>return_value</c> XCom. Cancellation (execution_timeout, shutdown) kills the whole process tree.
/// </summary>
public sealed partial class ShellOperator(string command) : ITemplatedOperator
{
    private const string EnvPrefix = "env.";

    /// <summary>The command line.</summary>
    public string Command { get; } = command ?? throw new ArgumentNullException(nameof(command));

    /// <summary>Extra environment variables.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Working directory (default: the worker's current directory).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Exit codes that mark the task skipped.</summary>
    public IReadOnlyList<int> SkipOnExitCodes { get; init; } = [99];

    /// <inheritdoc />
    public string OperatorName => "shell";

    /// <summary>Template fields: <c>command</c>, <c>cwd</c> and <c>env.NAME</c> for each environment variable.</summary>
    public IReadOnlyDictionary<string, string> TemplateFields
    {
        get
        {
            var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["command"] = Command };
            if (WorkingDirectory is not null)
            {
                fields["cwd"] = WorkingDirectory;
            }

            foreach (var (name, value) in Environment)
            {
                fields[EnvPrefix + name] = value;
            }

            return fields;
        }
    }

    /// <inheritdoc />
    public ITaskOperator WithRenderedFields(IReadOnlyDictionary<string, string> rendered)
    {
        ArgumentNullException.ThrowIfNull(rendered);
        return new ShellOperator(rendered["command"])
        {
            WorkingDirectory = rendered.GetValueOrDefault("cwd", WorkingDirectory!),
            SkipOnExitCodes = SkipOnExitCodes,
            Environment = Environment.ToDictionary(e => e.Key, e => rendered[EnvPrefix + e.Key], StringComparer.Ordinal),
        };
    }

    /// <inheritdoc />
    public async ValueTask<object?> ExecuteAsync(TaskContext context)
    {
        var (exitCode, lastLine) = await RunAsync(context);
        if (exitCode == 0)
        {
            return AsListIfJsonArray(lastLine);
        }

        if (SkipOnExitCodes.Contains(exitCode))
        {
            throw new TaskSkippedException($"command exited with {exitCode} (skip_on_exit_code)");
        }

        throw new InvalidOperationException($"command exited with code {exitCode}");
    }

    // A last line that is a JSON array is returned as a list, so mapped tasks can expand over a command's output.
    private static object? AsListIfJsonArray(string? line)
    {
        if (line is null || !line.TrimStart().StartsWith('['))
        {
            return line;
        }

        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            return json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array ? json.RootElement.Clone() : line;
        }
        catch (System.Text.Json.JsonException)
        {
            return line;
        }
    }

    /// <summary>Runs the command and returns its exit code and last non-empty stdout line.</summary>
    public async Task<(int ExitCode, string? LastLine)> RunAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = WorkingDirectory ?? System.Environment.CurrentDirectory,
        };
        // A mapped instance's arguments: "command" replaces the command; the others become environment variables.
        var command = context.MapArguments.TryGetValue("command", out var mappedCommand) ? Text(mappedCommand) : Command;
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        foreach (var (name, value) in context.MapArguments.Where(a => a.Key != "command"))
        {
            psi.Environment[name.ToUpperInvariant()] = Text(value);
        }

        psi.Environment["AIRFLOW_CTX_DAG_ID"] = context.DagId;
        psi.Environment["AIRFLOW_CTX_TASK_ID"] = context.TaskId;
        psi.Environment["AIRFLOW_CTX_DAG_RUN_ID"] = context.RunId;
        psi.Environment["AIRFLOW_CTX_TRY_NUMBER"] = context.TryNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (key, value) in Environment)
        {
            psi.Environment[key] = value;
        }

        LogRunning(context.Log, command);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("/bin/sh did not start.");
        process.StandardInput.Close();
        string? lastLine = null;
        var stdout = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                LogOutput(context.Log, line);
                if (line.Length > 0)
                {
                    lastLine = line;
                }
            }
        });
        var stderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                LogError(context.Log, line);
            }
        });

        try
        {
            await process.WaitForExitAsync(context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            LogKilled(context.Log);
            throw;
        }

        await Task.WhenAll(stdout, stderr);
        return (process.ExitCode, lastLine);
    }

    private static string Text(System.Text.Json.JsonElement value) =>
        value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString()! : value.GetRawText();

    [LoggerMessage(Level = LogLevel.Information, Message = "Running: {Command}")]
    private static partial void LogRunning(ILogger logger, string command);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Line}")]
    private static partial void LogOutput(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Line}")]
    private static partial void LogError(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cancelled: killed the command's process tree")]
    private static partial void LogKilled(ILogger logger);
}
