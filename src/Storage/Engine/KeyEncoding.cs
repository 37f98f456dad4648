using System.Text;

namespace Gale.Storage.Engine;

/// <summary>Makes any text safe as a table key: characters keys may not hold (and '%') become %XX.</summary>
internal static class KeyEncoding
{
    public static string Encode(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' or '%' or '|' || c <= '\u001F' || c is >= '\u007F' and <= '\u009F')
            {
                sb.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// <see cref="Encode"/>, or for long values (a key holds at most 1 KiB) a readable head plus a SHA-256 of the whole,
    /// so ids such as a watcher's blob name and ETag always fit.
    /// </summary>
    public static string EncodeBounded(string value)
    {
        var encoded = Encode(value);
        if (encoded.Length <= 400)
        {
            return encoded;
        }

        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(value)));
        return $"{encoded[..200]}~{hash}";
    }

    /// <summary>The partition key of everything that belongs to one run.</summary>
    public static string RunPartition(string dagId, string runId) => $"{Encode(dagId)}|{Encode(runId)}";
}
