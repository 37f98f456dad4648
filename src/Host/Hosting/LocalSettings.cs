using System.Text.Json;

namespace Gale.Host.Hosting;

/// <summary>Settings from the environment, then from the <c>Values</c> of a Functions-style local.settings.json in the current folder.</summary>
internal static class LocalSettings
{
    private static readonly Lazy<Dictionary<string, string>> File = new(Load);

    public static string? Get(string key) => Environment.GetEnvironmentVariable(key) ?? File.Value.GetValueOrDefault(key);

    /// <summary>Every setting: the file's values overridden by the environment.</summary>
    public static IEnumerable<KeyValuePair<string, string>> All()
    {
        var all = new Dictionary<string, string>(File.Value, StringComparer.Ordinal);
        foreach (var (name, value) in Gale.Engine.TaskServices.EnvironmentSettings())
        {
            all[name] = value;
        }

        return all;
    }

    private static Dictionary<string, string> Load()
    {
        const string path = "local.settings.json";
        if (!System.IO.File.Exists(path))
        {
            return [];
        }

        using var json = JsonDocument.Parse(System.IO.File.ReadAllText(path));
        return json.RootElement.TryGetProperty("Values", out var values)
            ? values.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!)
            : [];
    }
}
