using System.Collections.Concurrent;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using Gale.Dags;
using Gale.Engine;

namespace Gale.Orchestration.Runs;

/// <summary>
/// The DAG a run decides with: for a YAML DAG, the one its text was when the run was created (<see
/// cref="DagRunInput.DagYaml"/>), parsed again when the file has changed since, so that an edited file never changes
/// what a running run decides (nor breaks the replay of its history). A DAG written in C# changes only with a new
/// deployment; its runs use the DAG loaded on the worker.
/// </summary>
/// <remarks>
/// The text is pinned gzip-compressed (base64): a run's input stays small, below the Azure Storage backend's table
/// property limit, where a larger input of a not yet started instance reads back empty.
/// </remarks>
public static class PinnedDags
{
    private const int Capacity = 64;
    private static readonly ConcurrentDictionary<string, Dag> Parsed = new(StringComparer.Ordinal);
    private static readonly ConditionalWeakTable<Dag, string> Pins = [];

    /// <summary>What a run of <paramref name="dag"/> pins (null for a C# DAG).</summary>
    public static string? Pin(Dag dag)
    {
        ArgumentNullException.ThrowIfNull(dag);
        return dag.Settings.YamlSource is null ? null : Pins.GetValue(dag, d => Compress(d.Settings.YamlSource!));
    }

    /// <summary>The DAG <paramref name="input"/>'s run decides with.</summary>
    /// <exception cref="InvalidOperationException">A C# DAG that is not loaded on this worker.</exception>
    public static Dag Resolve(IDagRegistry dags, DagRunInput input)
    {
        ArgumentNullException.ThrowIfNull(dags);
        ArgumentNullException.ThrowIfNull(input);
        var loaded = dags.Find(input.Run.DagId);
        if (input.DagYaml is not { } pin || (loaded is not null && Pin(loaded) == pin))
        {
            return loaded ?? throw new InvalidOperationException($"DAG '{input.Run.DagId}' is not loaded on this worker");
        }

        // The same object on every episode, so that the decisions made with it are reused on replay.
        if (Parsed.TryGetValue(pin, out var pinned))
        {
            return pinned;
        }

        if (Parsed.Count >= Capacity)
        {
            Parsed.Clear();
        }

        return Parsed.GetOrAdd(pin, p => Gale.Yaml.YamlDagLoader.Load(loaded?.Settings.Fileloc ?? $"{input.Run.DagId}.yaml (as the run was created)", Decompress(p)));
    }

    private static string Compress(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }

        return Convert.ToBase64String(buffer.ToArray());
    }

    private static string Decompress(string pin)
    {
        using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(pin)), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
