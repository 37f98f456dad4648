using System.Globalization;
using System.Text;
using Gale.Runs;

namespace Gale.Orchestration.Runs;

/// <summary>
/// A run's orchestration instance id, derived from its <c>dag_id</c> and <c>run_id</c> only, so creating the same run
/// twice names the same instance (the backend refuses the second). Characters the Azure Storage backend cannot hold in
/// a key (and the separator) are percent-encoded, so every run id is valid and the mapping is reversible.
/// </summary>
public static class RunInstanceId
{
    private const char Separator = '@';

    /// <summary>The instance id of <paramref name="run"/>.</summary>
    public static string For(RunKey run) => Escape(run.DagId) + Separator + Escape(run.RunId);

    /// <summary>The prefix shared by the instance ids of every run of <paramref name="dagId"/>.</summary>
    public static string PrefixFor(string dagId) => Escape(dagId) + Separator;

    /// <summary>The run an instance id names, or null when it is not a DAG run's id.</summary>
    public static RunKey? Parse(string instanceId)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        var at = instanceId.IndexOf(Separator, StringComparison.Ordinal);
        return at <= 0 ? null : new RunKey(Uri.UnescapeDataString(instanceId[..at]), Uri.UnescapeDataString(instanceId[(at + 1)..]));
    }

    private static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' or '%' or Separator || char.IsControl(c))
            {
                sb.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
