using System.Text.Json.Nodes;

namespace Gale.Host.Tests.Cli;

/// <summary>Polls <c>gale runs show --output json</c> until the run satisfies a condition (or a minute passes).</summary>
internal static class RunShow
{
    /// <summary>The last <c>runs show</c> answer: the first that satisfies <paramref name="done"/>, or the one after a minute.</summary>
    public static async Task<JsonNode> UntilAsync(Func<string[], Task<(int ExitCode, string Stdout, string Stderr)>> gale, string dagId, string runId, Func<JsonNode, bool> done)
    {
        JsonNode? shown = null;
        for (var i = 0; i < 300; i++)
        {
            shown = JsonNode.Parse((await gale(["runs", "show", dagId, runId, "--output", "json"])).Stdout);
            if (done(shown!))
            {
                break;
            }

            await Task.Delay(200);
        }

        return shown!;
    }

    /// <summary>True when the run succeeded with every task on try <paramref name="tryNumber"/>.</summary>
    public static bool SucceededOnTry(JsonNode run, int tryNumber) =>
        run["state"]!.GetValue<string>() == "success" && run["tasks"]!.AsArray().All(t => t!["try_number"]!.GetValue<int>() == tryNumber);
}
