using Gale.Storage;

namespace Gale.Host.Hosting;

/// <summary>Decides which storage account Gale uses: an explicit connection string, the Functions settings, or a local Azurite.</summary>
public static class StorageSource
{
    /// <summary>The setting the Functions host also reads (connection string or identity-based <c>__accountName</c> settings).</summary>
    public const string SettingName = "AzureWebJobsStorage";

    /// <summary>
    /// The configured connection, or null when nothing is configured (then <c>gale serve</c> starts Azurite).
    /// An explicit <paramref name="connectionString"/> wins over settings.
    /// </summary>
    public static StorageConnection? Resolve(string? connectionString, Func<string, string?> setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        return !string.IsNullOrWhiteSpace(connectionString)
            ? StorageConnection.Parse(connectionString)
            : StorageConnection.FromSettings(setting, SettingName);
    }
}
