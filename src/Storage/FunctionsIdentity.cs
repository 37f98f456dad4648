using Azure.Core;
using Azure.Identity;

namespace Gale.Storage;

/// <summary>The credential of an identity-based connection, from the settings Azure Functions uses for one.</summary>
public static class FunctionsIdentity
{
    /// <summary>
    /// <c>{prefix}__credential=managedidentity</c> gives a managed identity (user-assigned with <c>{prefix}__clientId</c>,
    /// else system-assigned); otherwise the developer's or environment's Azure credentials (<see cref="DefaultAzureCredential"/>),
    /// preferring the managed identity <c>{prefix}__clientId</c> names.
    /// </summary>
    public static TokenCredential Credential(Func<string, string?> setting, string prefix)
    {
        ArgumentNullException.ThrowIfNull(setting);
        var clientId = setting($"{prefix}__clientId");
        return string.Equals(setting($"{prefix}__credential"), "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
    }
}
