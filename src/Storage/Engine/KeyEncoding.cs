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

    /// <summary>The partition key of everything that belongs to one run.</summary>
    public static string RunPartition(string dagId, string runId) => $"{Encode(dagId)}|{Encode(runId)}";
}
