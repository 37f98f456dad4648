using System.Collections.Concurrent;
using Gale.Dags;
using Gale.Engine;

namespace Gale.Orchestration.Runs;

/// <summary>
/// The DAG a run decides with: for a YAML DAG, the one its text was when the run was created (<see
/// cref="DagRunInput.DagYaml"/>), parsed again when the file has changed since, so that an edited file never changes
/// what a running run decides (nor breaks the replay of its history). A DAG written in C# changes only with a new
/// deployment; its runs use the DAG loaded on the worker.
/// </summary>
public static class PinnedDags
{
    private const int Capacity = 64;
    private static readonly ConcurrentDictionary<string, Dag> Parsed = new(StringComparer.Ordinal);

    /// <summary>The DAG <paramref name="input"/>'s run decides with.</summary>
    /// <exception cref="InvalidOperationException">A C# DAG that is not loaded on this worker.</exception>
    public static Dag Resolve(IDagRegistry dags, DagRunInput input)
    {
        ArgumentNullException.ThrowIfNull(dags);
        ArgumentNullException.ThrowIfNull(input);
        var loaded = dags.Find(input.Run.DagId);
        if (input.DagYaml is not { } yaml || loaded?.Settings.YamlSource == yaml)
        {
            return loaded ?? throw new InvalidOperationException($"DAG '{input.Run.DagId}' is not loaded on this worker");
        }

        // The same object on every episode, so that the decisions made with it are reused on replay.
        if (Parsed.TryGetValue(yaml, out var pinned))
        {
            return pinned;
        }

        if (Parsed.Count >= Capacity)
        {
            Parsed.Clear();
        }

        return Parsed.GetOrAdd(yaml, text => Gale.Yaml.YamlDagLoader.Load(loaded?.Settings.Fileloc ?? $"{input.Run.DagId}.yaml (as the run was created)", text));
    }
}
