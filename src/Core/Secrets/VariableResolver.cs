using System.Text.Json;

namespace Gale.Secrets;

/// <summary>
/// Reads variables as tasks and templates see them: a setting <c>GALE_VAR_&lt;KEY&gt;</c> (key upper-cased) overrides
/// the stored variable, as Airflow's environment backend is searched before its metastore. Values of variables
/// whose key looks sensitive are registered with the masker.
/// </summary>
public sealed class VariableResolver(IVariableStore store, Func<string, string?> settings, SecretMasker masker)
{
    /// <summary>The settings prefix.</summary>
    public const string Prefix = "GALE_VAR_";

    /// <summary>The value, or null when neither a setting nor the store has it.</summary>
    public async Task<string?> FindAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var value = settings(Prefix + key.ToUpperInvariant()) ?? (await store.GetAsync(key, cancellationToken))?.Value;
        masker.AddIfSensitive(key, value);
        return value;
    }

    /// <summary>The value.</summary>
    /// <exception cref="KeyNotFoundException">No such variable; the message says where it could be defined.</exception>
    public async Task<string> GetAsync(string key, CancellationToken cancellationToken = default) =>
        await FindAsync(key, cancellationToken) ?? throw new KeyNotFoundException($"variable '{key}' does not exist (set it with `gale variables set {key} VALUE` or the setting {Prefix}{key.ToUpperInvariant()}).");

    /// <summary>The value parsed as JSON (Airflow's <c>Variable.get(key, deserialize_json=True)</c>).</summary>
    /// <exception cref="KeyNotFoundException">No such variable.</exception>
    /// <exception cref="FormatException">The value is not JSON.</exception>
    public async Task<JsonElement> GetJsonAsync(string key, CancellationToken cancellationToken = default)
    {
        var text = await GetAsync(key, cancellationToken);
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement.Clone();
            if (SecretMasker.IsSensitiveName(key))
            {
                MaskLeaves(root);
            }

            return root;
        }
        catch (JsonException e)
        {
            throw new FormatException($"variable '{key}' is not JSON: {e.Message}", e);
        }
    }

    private void MaskLeaves(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                masker.Add(element.GetString());
                break;
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject())
                {
                    MaskLeaves(p.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var e in element.EnumerateArray())
                {
                    MaskLeaves(e);
                }

                break;
        }
    }
}
