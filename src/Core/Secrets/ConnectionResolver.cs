namespace Gale.Secrets;

/// <summary>
/// Resolves connections from settings named <c>GALE_CONN_&lt;ID&gt;</c> (the id upper-cased, like Airflow's
/// <c>AIRFLOW_CONN_</c>). On Azure Functions app settings are environment variables, so a Key Vault reference
/// (<c>@Microsoft.KeyVault(SecretUri=…)</c>) arrives here already resolved. Passwords are registered with the masker.
/// </summary>
public sealed class ConnectionResolver(Func<string, string?> settings, SecretMasker masker)
{
    /// <summary>The settings prefix.</summary>
    public const string Prefix = "GALE_CONN_";

    /// <summary>The setting that defines <paramref name="connId"/>.</summary>
    public static string SettingName(string connId) => Prefix + connId.ToUpperInvariant();

    /// <summary>The connection, or null when no setting defines it.</summary>
    /// <exception cref="FormatException">The setting is not a connection URI or JSON.</exception>
    public Connection? Find(string connId)
    {
        ArgumentException.ThrowIfNullOrEmpty(connId);
        var value = settings(SettingName(connId));
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var connection = Connection.Parse(connId, value);
        masker.Add(connection.Password);
        foreach (var (name, extra) in connection.Extra)
        {
            masker.AddIfSensitive(name, extra);
        }

        return connection;
    }

    /// <summary>The connection.</summary>
    /// <exception cref="KeyNotFoundException">No setting defines it; the message names the setting to add.</exception>
    public Connection Get(string connId) =>
        Find(connId) ?? throw new KeyNotFoundException($"connection '{connId}' is not defined: set {SettingName(connId)} to its URI (type://login:password@host:port/schema).");
}
