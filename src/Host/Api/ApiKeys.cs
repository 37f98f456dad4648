namespace Gale.Host.Api;

/// <summary>What an API caller may do.</summary>
public enum ApiRole
{
    /// <summary>GET only.</summary>
    ReadOnly,

    /// <summary>Everything.</summary>
    Admin,
}

/// <summary>
/// API keys from the setting <c>GALE_API_KEYS</c>: comma-separated <c>key:role</c> pairs, role <c>admin</c> or
/// <c>read</c> (e.g. <c>k3y-one:admin,k3y-two:read</c>). Callers send the key in the <c>X-API-Key</c> header. Keys are
/// one way in beside Entra ID tokens and function keys (<see cref="ApiAuth"/>); with none of them configured every
/// endpoint but health refuses callers: nothing is open by default.
/// </summary>
public sealed class ApiKeys
{
    /// <summary>The setting's name.</summary>
    public const string SettingName = "GALE_API_KEYS";

    /// <summary>The header callers send their key in.</summary>
    public const string Header = "X-API-Key";

    private readonly Dictionary<string, ApiRole> _keys;

    private ApiKeys(Dictionary<string, ApiRole> keys) => _keys = keys;

    /// <summary>True when at least one key is configured.</summary>
    public bool Any => _keys.Count > 0;

    /// <summary>Parses the setting's value (null or empty: no keys).</summary>
    /// <exception cref="FormatException">A pair is malformed; the message names the setting, never a key.</exception>
    public static ApiKeys Parse(string? value)
    {
        var keys = new Dictionary<string, ApiRole>(StringComparer.Ordinal);
        var pairs = (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < pairs.Length; i++)
        {
            var colon = pairs[i].LastIndexOf(':');
            var role = colon < 0 ? null : pairs[i][(colon + 1)..].Trim().ToLowerInvariant();
            var key = colon < 0 ? string.Empty : pairs[i][..colon].Trim();
            if (key.Length < 16 || role is not ("admin" or "read"))
            {
                throw new FormatException($"{SettingName}: entry {i + 1} must be KEY:admin or KEY:read with a key of at least 16 characters.");
            }

            keys[key] = role == "admin" ? ApiRole.Admin : ApiRole.ReadOnly;
        }

        return new ApiKeys(keys);
    }

    /// <summary>These keys and <paramref name="key"/> with <paramref name="role"/>.</summary>
    public ApiKeys With(string key, ApiRole role)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return new ApiKeys(new Dictionary<string, ApiRole>(_keys, StringComparer.Ordinal) { [key] = role });
    }

    /// <summary>The role of <paramref name="key"/>, or null when it is not a configured key.</summary>
    public ApiRole? RoleOf(string? key) =>
        key is not null && _keys.TryGetValue(key, out var role) ? role : null;
}
