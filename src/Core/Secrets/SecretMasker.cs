using System.Collections.Concurrent;

namespace Gale.Secrets;

/// <summary>
/// Replaces known secret values with <c>***</c> in task logs, rendered fields and error messages (Airflow's secrets
/// masker). Values are registered when they are resolved: connection passwords, and variables whose key looks
/// sensitive. Values shorter than <see cref="MinimumLength"/> are not masked, as in Airflow, because masking a
/// two-letter string would garble every log line.
/// </summary>
public sealed class SecretMasker
{
    /// <summary>The text that replaces a secret.</summary>
    public const string Mask = "***";

    /// <summary>Shortest value that is masked (Airflow's <c>min_length_masked_secret</c>).</summary>
    public const int MinimumLength = 5;

    private static readonly string[] SensitiveNameParts = ["secret", "password", "passwd", "token", "key", "authorization", "passphrase", "credential"];
    private readonly ConcurrentDictionary<string, byte> _secrets = new(StringComparer.Ordinal);
    private volatile string[] _ordered = [];

    /// <summary>True when a variable, header or field of this name holds a secret (its name contains secret, password, token, key, …).</summary>
    public static bool IsSensitiveName(string name) =>
        !string.IsNullOrEmpty(name) && SensitiveNameParts.Any(p => name.Contains(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>The number of distinct values being masked.</summary>
    public int Count => _secrets.Count;

    /// <summary>Masks <paramref name="secret"/> from now on: as is, URL-encoded, JSON-escaped, and each line of a multi-line secret.</summary>
    public void Add(string? secret)
    {
        if (secret is null || secret.Length < MinimumLength)
        {
            return;
        }

        var forms = new List<string> { secret, Uri.EscapeDataString(secret), System.Text.Json.JsonSerializer.Serialize(secret)[1..^1] };
        forms.AddRange(secret.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length >= MinimumLength));
        lock (_secrets)
        {
            var added = false;
            foreach (var form in forms.Where(f => f.Length >= MinimumLength))
            {
                added |= _secrets.TryAdd(form, 0);
            }

            if (added)
            {
                // Longest first, so a secret that contains another is masked whole.
                _ordered = [.. _secrets.Keys.OrderByDescending(s => s.Length)];
            }
        }
    }

    /// <summary>Registers <paramref name="value"/> when <paramref name="name"/> looks sensitive.</summary>
    public void AddIfSensitive(string name, string? value)
    {
        if (IsSensitiveName(name))
        {
            Add(value);
        }
    }

    /// <summary>The text with every registered secret replaced by <see cref="Mask"/>.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var secrets = _ordered;
        foreach (var secret in secrets)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }
}
