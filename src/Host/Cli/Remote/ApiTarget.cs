using System.CommandLine;
using Gale.Host.Hosting;

namespace Gale.Host.Cli.Remote;

/// <summary>
/// <c>--api URL</c>: run a command through a Gale REST API (<c>gale serve</c> or the Functions app) instead of directly
/// against storage. Credentials come from settings so they stay out of shell history: <c>GALE_API_KEY</c> (sent as
/// <c>X-API-Key</c>), <c>GALE_API_TOKEN</c> (an Entra ID access token, sent as a bearer token) and
/// <c>GALE_FUNCTIONS_KEY</c> (sent as <c>x-functions-key</c> to a Functions app).
/// </summary>
internal static class ApiTarget
{
    /// <summary>The setting that supplies the URL when <c>--api</c> is not given.</summary>
    public const string UrlSetting = "GALE_API_URL";

    /// <summary>The option, on the root command and every subcommand.</summary>
    public static readonly Option<string?> Url = new("--api")
    {
        Description = $"Work through the REST API at this URL (e.g. http://127.0.0.1:8080) instead of storage; default: the {UrlSetting} setting. Credentials: GALE_API_KEY, GALE_API_TOKEN or GALE_FUNCTIONS_KEY.",
        Recursive = true,
    };

    /// <summary>The API client a command should use, or null to work against storage.</summary>
    /// <exception cref="FormatException">The URL is not an absolute http(s) URL.</exception>
    public static GaleApiClient? Resolve(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var url = result.GetValue(Url) ?? LocalSettings.Get(UrlSetting);
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new FormatException($"--api: '{url}' is not an http(s) URL");
        }

        // A local gale serve's first-run key is picked up from the same folder when no credential is set, and only for
        // a loopback URL: it must never travel to another machine.
        var token = LocalSettings.Get("GALE_API_TOKEN");
        var functionsKey = LocalSettings.Get("GALE_FUNCTIONS_KEY");
        var key = LocalSettings.Get("GALE_API_KEY")
            ?? (token is null && functionsKey is null && FirstRunKey.IsLoopback(uri.Host) ? FirstRunKey.TryRead(Directory.GetCurrentDirectory()) : null);
        return new GaleApiClient(uri, key, token, functionsKey);
    }

    /// <summary>
    /// As <see cref="RunAsync(ParseResult, Func{GaleApiClient, Task{int}}, Func{Task{int}})"/> for a command that also
    /// takes <c>--storage</c> (null when it has none): <c>--api</c> and <c>--storage</c> together are a usage error (exit 2); <c>--storage</c>
    /// alone works against storage even when the <c>GALE_API_URL</c> setting is set. Options in
    /// <paramref name="localOnly"/> (e.g. <c>--dags-folder</c>) only mean something against storage, so giving one with
    /// an API is a usage error too rather than silently ignored.
    /// </summary>
    public static Task<int> RunAsync(ParseResult result, Option<string?>? storage, Func<GaleApiClient, Task<int>> remote, Func<Task<int>> local, params Option[] localOnly)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(localOnly);
        var explicitApi = result.GetValue(Url) is not null;
        var explicitStorage = storage is not null && result.GetValue(storage) is not null;
        if (explicitApi && explicitStorage)
        {
            return Task.FromResult(CliOutput.Error($"--api and {storage!.Name}: give one of them ({storage.Name} works directly against storage, --api through the REST API)."));
        }

        if (explicitStorage)
        {
            return local();
        }

        return RunAsync(
            result,
            api =>
            {
                foreach (var option in localOnly)
                {
                    if (result.GetResult(option) is { Implicit: false })
                    {
                        return Task.FromResult(CliOutput.Error($"{option.Name}: only applies directly against storage; through --api the API's host decides (drop {option.Name} or --api)."));
                    }
                }

                return remote(api);
            },
            local);
    }

    /// <summary>
    /// Runs <paramref name="remote"/> through the API when one is configured, else <paramref name="local"/>. API
    /// problems print their detail; exit 2 for a request the API refused as bad or unknown (400, 404, 409), 1 for
    /// anything else (auth, server, network).
    /// </summary>
    public static async Task<int> RunAsync(ParseResult result, Func<GaleApiClient, Task<int>> remote, Func<Task<int>> local)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(local);
        GaleApiClient? api;
        try
        {
            api = Resolve(result);
        }
        catch (FormatException e)
        {
            return CliOutput.Error(e.Message);
        }

        if (api is null)
        {
            return await local();
        }

        using (api)
        {
            try
            {
                return await remote(api);
            }
            catch (ApiProblemException e)
            {
                await Console.Error.WriteLineAsync($"gale: {e.Message}");
                return e.Status is 400 or 404 or 409 or 422 ? CliOutput.UsageError : CliOutput.Failed;
            }
            catch (HttpRequestException e)
            {
                await Console.Error.WriteLineAsync($"gale: the API at {api.BaseUrl} is not reachable: {e.Message}");
                return CliOutput.Failed;
            }
            catch (TaskCanceledException) when (!api.IsCancelled)
            {
                await Console.Error.WriteLineAsync($"gale: the API at {api.BaseUrl} did not answer in time");
                return CliOutput.Failed;
            }
        }
    }
}
