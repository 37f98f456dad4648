using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gale.Host.Cli;

/// <summary>Shared CLI output: tables for people, <c>--output json</c> for scripts, and exit codes.</summary>
internal static class CliOutput
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The operation ran and reports failure (e.g. the run failed).</summary>
    public const int Failed = 1;

    /// <summary>Bad usage or input (unknown DAG, malformed option, DAG load error).</summary>
    public const int UsageError = 2;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Option<string> OutputOption()
    {
        var option = new Option<string>("--output", "-o")
        {
            Description = "Output format: table (default) or json.",
            DefaultValueFactory = _ => "table",
        };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }

    public static string Iso(DateTimeOffset? value) =>
        value?.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;

    /// <summary>An instant as ISO 8601 with the offset it has in <paramref name="zone"/> (how schedules are shown).</summary>
    public static string Iso(DateTimeOffset value, NodaTime.DateTimeZone zone) =>
        NodaTime.Instant.FromDateTimeOffset(value).InZone(zone).ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Console logging on stderr only, so <c>--output json</c> keeps stdout clean; <paramref name="filters"/> choose what shows.</summary>
    public static ILoggerFactory StderrLoggers(Action<ILoggingBuilder> filters) => LoggerFactory.Create(b =>
    {
        b.AddSimpleConsole(o => o.SingleLine = true);
        b.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        filters(b);
    });

    public static int Error(string message)
    {
        Console.Error.WriteLine($"gale: {message}");
        return UsageError;
    }
}
