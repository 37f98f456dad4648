using System.Security.Cryptography;
using System.Text;

namespace Gale.Storage;

/// <summary>A storage account name and key, used to sign requests with SharedKey.</summary>
public sealed class StorageSharedKeyCredential
{
    private readonly byte[] _key;

    /// <summary>Creates a credential from an account name and its base64 account key.</summary>
    /// <exception cref="ArgumentException">The key is not valid base64.</exception>
    public StorageSharedKeyCredential(string accountName, string accountKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountName);
        ArgumentException.ThrowIfNullOrEmpty(accountKey);
        AccountName = accountName;
        try
        {
            _key = Convert.FromBase64String(accountKey);
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"The account key for storage account '{accountName}' is not valid base64.", nameof(accountKey), e);
        }
    }

    /// <summary>The storage account name.</summary>
    public string AccountName { get; }

    internal string Sign(string stringToSign)
    {
        var hash = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign));
        return Convert.ToBase64String(hash);
    }
}
